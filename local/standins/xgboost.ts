/**
 * Evaluates a shipped XGBoost model (model.tar.gz holding `xgboost-model` in XGBoost's JSON
 * format) the way the SageMaker XGBoost container's text/csv serving path does, without Python:
 * gbtree, numerical splits, float32 features and thresholds, float32 accumulation of leaf values,
 * then the objective's transform. Parity with the pinned xgboost is a test
 * (__tests__/local/xgboost.test.ts, against __tests__/fixtures/ml/parity-predictions.json).
 */
import { gunzipSync } from 'node:zlib';

export class ModelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFormatError';
  }
}

/** Files of a (gzip-compressed) ustar archive: name -> bytes. Regular files only. */
export function untar(archive: Uint8Array): Map<string, Uint8Array> {
  const data = archive[0] === 0x1f && archive[1] === 0x8b ? new Uint8Array(gunzipSync(archive)) : archive;
  const files = new Map<string, Uint8Array>();
  const text = (from: number, len: number) => {
    const bytes = data.subarray(from, from + len);
    const end = bytes.indexOf(0);
    return Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString('utf8');
  };
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= data.length) {
    if (data.subarray(offset, offset + 512).every((b) => b === 0)) break;
    const size = parseInt(text(offset + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(data[offset + 156] || 0x30);
    const prefix = text(offset + 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${text(offset, 100)}` : text(offset, 100));
    longName = undefined;
    const body = data.subarray(offset + 512, offset + 512 + size);
    if (type === 'L') longName = Buffer.from(body).toString('utf8').replace(/\0+$/, '');
    else if (type === '0' || type === '\0') {
      name = name.replace(/^\.\//, '');
      files.set(name, new Uint8Array(body));
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

interface Tree {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  /** Split threshold for inner nodes, leaf value for leaves (as XGBoost stores them), float32. */
  readonly value: Float32Array;
  readonly defaultLeft: Uint8Array;
}

export interface XgboostModel {
  readonly numFeatures: number;
  readonly objective: string;
  readonly trees: number;
  /** Scores one feature row (NaN = missing). */
  predict(features: readonly number[]): number;
}

type Json = Record<string, unknown>;

function field<T>(obj: unknown, path: string): T {
  let node: unknown = obj;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || !(part in (node as Json))) throw new ModelFormatError(`model JSON has no ${path}`);
    node = (node as Json)[part];
  }
  return node as T;
}

const SUPPORTED_OBJECTIVES = new Set(['binary:logistic', 'reg:logistic', 'reg:squarederror', 'binary:logitraw']);

/** Parses XGBoost's JSON model format (as saved by Booster.save_model to a .json file, xgboost >= 1.0). */
export function parseXgboostJson(text: string): XgboostModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(`xgboost-model is not JSON (only the JSON model format is supported locally): ${(e as Error).message}`);
  }
  const learner = field<Json>(json, 'learner');
  const objective = field<string>(learner, 'objective.name');
  if (!SUPPORTED_OBJECTIVES.has(objective))
    throw new ModelFormatError(`objective ${objective} is not supported locally (supported: ${[...SUPPORTED_OBJECTIVES].join(', ')})`);
  const booster = field<string>(learner, 'gradient_booster.name');
  if (booster !== 'gbtree') throw new ModelFormatError(`booster ${booster} is not supported locally (gbtree only)`);
  const params = field<Json>(learner, 'learner_model_param');
  if (Number(params.num_class ?? 0) > 1 || Number(params.num_target ?? 1) > 1)
    throw new ModelFormatError('multi-class / multi-target models are not supported locally');
  const numFeatures = Number(params.num_feature);
  const baseScore = Math.fround(Number(params.base_score));
  const rawTrees = field<Json[]>(learner, 'gradient_booster.model.trees');
  const treeInfo = field<number[]>(learner, 'gradient_booster.model.tree_info');
  if (treeInfo.some((g) => g !== 0)) throw new ModelFormatError('only single-group models are supported locally');

  const trees: Tree[] = rawTrees.map((t, i) => {
    const splitType = (t.split_type as number[] | undefined) ?? [];
    if (splitType.some((s) => s !== 0)) throw new ModelFormatError(`tree ${i} has categorical splits, which are not supported locally`);
    return {
      left: Int32Array.from(t.left_children as number[]),
      right: Int32Array.from(t.right_children as number[]),
      feature: Int32Array.from(t.split_indices as number[]),
      value: Float32Array.from(t.split_conditions as number[]),
      defaultLeft: Uint8Array.from(t.default_left as number[]),
    };
  });

  // binary:logistic stores base_score as a probability; predictions start from its logit.
  const logistic = objective === 'binary:logistic' || objective === 'reg:logistic';
  const baseMargin = logistic ? Math.fround(-Math.log(1 / baseScore - 1)) : baseScore;

  return {
    numFeatures,
    objective,
    trees: trees.length,
    predict(features: readonly number[]): number {
      if (features.length !== numFeatures) throw new ModelFormatError(`feature row has ${features.length} values, the model expects ${numFeatures}`);
      const x = Float32Array.from(features);
      let margin = baseMargin;
      for (const tree of trees) {
        let node = 0;
        while (tree.left[node]! !== -1) {
          const v = x[tree.feature[node]!]!;
          node = Number.isNaN(v)
            ? tree.defaultLeft[node]
              ? tree.left[node]!
              : tree.right[node]!
            : v < tree.value[node]!
              ? tree.left[node]!
              : tree.right[node]!;
        }
        margin = Math.fround(margin + tree.value[node]!);
      }
      if (!logistic) return margin;
      return Math.fround(1 / (1 + Math.exp(-margin)));
    },
  };
}

/** Loads `xgboost-model` from a SageMaker model.tar.gz. */
export function loadModelArchive(archive: Uint8Array): XgboostModel {
  const files = untar(archive);
  const model = files.get('xgboost-model');
  if (!model) throw new ModelFormatError(`model.tar.gz holds no xgboost-model (found: ${[...files.keys()].join(', ') || 'nothing'})`);
  return parseXgboostJson(Buffer.from(model).toString('utf8'));
}

/** Parses a text/csv request body the way the container does (float64 cells, empty cell = missing). */
export function parseCsvRows(body: string): number[][] {
  const lines = body.replace(/\r\n/g, '\n').trim().split('\n');
  return lines.map((line, i) =>
    line.split(',').map((cell, j) => {
      if (cell.trim() === '') return NaN;
      const n = Number(cell);
      if (!Number.isFinite(n) && !/^\s*[-+]?(nan|inf(inity)?)\s*$/i.test(cell))
        throw new ModelFormatError(`row ${i + 1}, column ${j + 1}: ${JSON.stringify(cell)} is not a number`);
      return Number.isNaN(n) ? NaN : n;
    }),
  );
}
