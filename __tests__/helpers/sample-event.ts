/** The documented sample event, verbatim: the canonical event of the contract. */
export const SAMPLE_EVENT = {
  timestamp: '2024-03-20T10:00:00Z',
  user_id: 'user123',
  event_type: 'page_view',
  data: {
    page_url: 'https://example.com/products',
    product_id: 'prod456',
    category: 'electronics',
    session_id: 'sess789',
    device_type: 'mobile',
    location: { country: 'US', city: 'San Francisco' },
  },
};
