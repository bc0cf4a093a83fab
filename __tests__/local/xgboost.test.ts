import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModelArchive, ModelFormatError, parseCsvRows, parseXgboostJson, untar } from '../../local/standins/xgboost';

const root = path.resolve(__dirname, '..', '..');
const fixture = JSON.parse(fs.readFileSync(path.join(root, '__tests__/fixtures/ml/parity-predictions.json'), 'utf8')) as {
  featureRows: string[];
  predictions: Record<string, { trees: number; scores: number[] }>;
};

describe('local XGBoost evaluation', () => {
  it.each(Object.keys(fixture.predictions))('scores every parity row of model %s like xgboost 1.7.4 in the serving container', (version) => {
    const model = loadModelArchive(fs.readFileSync(path.join(root, 'ml/model', version, 'model.tar.gz')));
    const expected = fixture.predictions[version]!;
    expect(model.trees).toBe(expected.trees);
    expect(fixture.featureRows.length).toBeGreaterThan(100);
    fixture.featureRows.forEach((row, i) => {
      const [features] = parseCsvRows(row);
      expect(Math.abs(model.predict(features!) - expected.scores[i]!)).toBeLessThan(1e-6);
    });
  });

  it('follows the default direction for a missing value', () => {
    const model = parseXgboostJson(
      JSON.stringify({
        learner: {
          objective: { name: 'reg:squarederror' },
          learner_model_param: { base_score: '0', num_feature: '1', num_class: '0', num_target: '1' },
          gradient_booster: {
            name: 'gbtree',
            model: {
              tree_info: [0],
              trees: [
                {
                  left_children: [1, -1, -1],
                  right_children: [2, -1, -1],
                  split_indices: [0, 0, 0],
                  split_conditions: [0.5, -1, 1],
                  default_left: [1, 0, 0],
                  split_type: [0, 0, 0],
                },
              ],
            },
          },
        },
      }),
    );
    expect(model.predict([0.2])).toBe(-1);
    expect(model.predict([0.7])).toBe(1);
    expect(model.predict([NaN])).toBe(-1);
    expect(() => model.predict([1, 2])).toThrow(/expects 1/);
  });

  it('rejects what the local evaluator cannot score faithfully', () => {
    expect(() => parseXgboostJson('binf')).toThrow(ModelFormatError);
    expect(() => parseXgboostJson(JSON.stringify({ learner: { objective: { name: 'multi:softprob' } } }))).toThrow(/multi:softprob/);
    expect(() => loadModelArchive(new Uint8Array(1024))).toThrow(/no xgboost-model/);
  });

  it('reads the archive layout SageMaker expects (xgboost-model at the top)', () => {
    expect([...untar(fs.readFileSync(path.join(root, 'ml/model/v1/model.tar.gz'))).keys()]).toEqual(['xgboost-model']);
  });

  it('parses CSV bodies with empty cells as missing and refuses text', () => {
    expect(parseCsvRows('1,,3\n4,5,6\n')).toEqual([
      [1, NaN, 3],
      [4, 5, 6],
    ]);
    expect(() => parseCsvRows('1,x')).toThrow(/column 2/);
  });
});
