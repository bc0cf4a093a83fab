/**
 * Layout of the data lake bucket: one prefix per data product. Imported by the infrastructure
 * (lifecycle rules, IAM scoping, Glue table locations) and by the functions that write there, so
 * a prefix is spelled exactly once.
 */
export const LAKE_PREFIXES = {
  /** Records exactly as received, for replay. */
  raw: 'raw/',
  /** Validated, enriched events partitioned by event time (dt=YYYY-MM-DD/hour=HH). */
  curated: 'curated/',
  /** Records that failed validation, each with its reasons. */
  quarantine: 'quarantine/',
  /** One row per inference made by the API. */
  predictions: 'predictions/',
  /** Windowed aggregates. */
  aggregates: 'aggregates/',
  /** Model artifacts by version: model-artifacts/<version>/model.tar.gz. */
  modelArtifacts: 'model-artifacts/',
  /** SageMaker endpoint data capture (model monitoring). */
  dataCapture: 'data-capture/',
} as const;

export type LakePrefix = keyof typeof LAKE_PREFIXES;
