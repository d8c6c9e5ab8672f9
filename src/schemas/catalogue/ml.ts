import { type CatalogueEntry, count, defineEvent, durationMs, id, type JsonSchema, text } from './common.js';

const modelName = text('Model name, e.g. "price_predictor" or "lead_scorer".', 200);
const modelVersion: JsonSchema = {
  type: ['string', 'integer'],
  minLength: 1,
  maxLength: 100,
  description: 'Model version, e.g. 7 or "2026-01-15.1".',
};
const metrics: JsonSchema = {
  type: 'object',
  additionalProperties: { type: 'number' },
  description: 'Numeric metrics by name, e.g. {"mae": 48250.5, "r2": 0.87}.',
};

/** The life of the marketplace's models: training, deployment, and every prediction served. */
export const ml: CatalogueEntry[] = [
  defineEvent(
    'model_trained',
    'A model finished training, with its evaluation metrics.',
    {
      model_name: modelName,
      model_version: modelVersion,
      algorithm: text('Learning algorithm, e.g. "lightgbm", "logistic_regression".', 100),
      metrics,
      training_rows: count('Rows in the training set.'),
      validation_rows: count('Rows in the validation set.'),
      features: {
        type: 'array',
        items: { type: 'string' },
        description: 'Names of the input features.',
      },
      params: { type: 'object', description: 'Hyper-parameters used.' },
      dataset: text('Training set name or snapshot.', 300),
      duration_ms: durationMs('Training time in milliseconds.'),
    },
    {
      required: ['model_name'],
      examples: [
        {
          model_name: 'price_predictor',
          model_version: 7,
          algorithm: 'lightgbm',
          metrics: { mae: 48250.5, mape: 0.061, r2: 0.87 },
          training_rows: 18420,
          features: ['make', 'model', 'year', 'mileage_km', 'province'],
          duration_ms: 42100,
        },
      ],
    },
  ),
  defineEvent(
    'model_deployed',
    'A model version started serving predictions.',
    {
      model_name: modelName,
      model_version: modelVersion,
      previous_version: { ...modelVersion, description: 'Version it replaced, if any.' },
      environment: text('Where it serves, e.g. "production", "staging".', 100),
      traffic_share: {
        type: 'number',
        minimum: 0,
        maximum: 1,
        description: 'Share of requests it serves, from 0 to 1 (below 1 during a canary or A/B test).',
      },
    },
    {
      required: ['model_name', 'model_version'],
      examples: [
        { model_name: 'price_predictor', model_version: 7, previous_version: 6, environment: 'production' },
      ],
    },
  ),
  defineEvent(
    'prediction_logged',
    'A model served one prediction. Logging inputs and output lets predictions be monitored and later ' +
      'joined with outcomes (did the lead convert, what price did the car sell for).',
    {
      model_name: modelName,
      model_version: modelVersion,
      prediction_id: id('The prediction, to join its outcome later.'),
      entity_id: id('What the prediction is about, e.g. a listing or a user.'),
      prediction: { description: 'Model output: a number, a label, a list of ids, or an object.' },
      score: { type: 'number', description: 'Main score or probability, when there is one.' },
      features: { type: 'object', description: 'Input features by name, as given to the model.' },
      latency_ms: durationMs('Time to compute the prediction, in milliseconds.'),
      request_id: id('Request that asked for the prediction.'),
    },
    {
      required: ['model_name'],
      examples: [
        {
          model_name: 'lead_scorer',
          model_version: '2026-01-15.1',
          prediction_id: 'pred_55102',
          entity_id: 'lead_30017',
          prediction: 'hot',
          score: 0.91,
          features: { messages: 3, test_drive: true, minutes_to_first_reply: 12 },
          latency_ms: 3.4,
        },
      ],
    },
  ),
];
