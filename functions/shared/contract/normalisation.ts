/**
 * Normalisation of client-reported values, shared by the processor's enrichment columns
 * (device_class, country_code), the model's features and the aggregates' dimensions.
 */

export const DEVICE_CLASSES = ['mobile', 'tablet', 'desktop', 'other'] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

const DEVICE_ALIASES: Readonly<Record<string, DeviceClass>> = {
  mobile: 'mobile',
  phone: 'mobile',
  smartphone: 'mobile',
  android: 'mobile',
  iphone: 'mobile',
  ios: 'mobile',
  tablet: 'tablet',
  ipad: 'tablet',
  desktop: 'desktop',
  pc: 'desktop',
  laptop: 'desktop',
  mac: 'desktop',
  windows: 'desktop',
  linux: 'desktop',
  web: 'desktop',
};

export function deviceClass(deviceType: string): DeviceClass {
  const key = deviceType.trim().toLowerCase();
  // hasOwn: device strings are client-controlled, and 'constructor' must not hit Object.prototype.
  return Object.hasOwn(DEVICE_ALIASES, key) ? DEVICE_ALIASES[key]! : 'other';
}

/** Upper-cases; maps the common non-ISO 'UK' to 'GB'. */
export function normaliseCountry(country: string): string {
  const c = country.trim().toUpperCase();
  return c === 'UK' ? 'GB' : c;
}
