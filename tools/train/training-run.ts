/**
 * The part of a training record every command writes the same way (the manifest's
 * `training`, src/model/training-records.ts trainingRunSchema): what ran, on which backend and
 * machine, with which settings, and how the epochs went.
 */
import { tf } from '../lib/tf-node';
import type { TrainingRun } from '../../src/model/training-records';
import { trainingMachine } from './machine';

export interface TrainingRunFacts {
  command: string;
  description: string;
  parameters: number;
  multiplyAdds: number;
  args: {
    batchSize: number;
    learningRate: number;
    epochs: number;
    patience: number;
    seed: number;
  };
  result: { bestEpoch: number; history: TrainingRun['history'] };
  trainingMinutes: number;
  /** Load averages when training started. */
  loadBefore: number[];
}

export function trainingRun(facts: TrainingRunFacts): TrainingRun {
  const { args, result } = facts;
  return {
    command: facts.command,
    description: facts.description,
    parameters: facts.parameters,
    multiplyAdds: facts.multiplyAdds,
    backend: tf.getBackend(),
    batchSize: args.batchSize,
    learningRate: args.learningRate,
    maxEpochs: args.epochs,
    patience: args.patience,
    bestEpoch: result.bestEpoch,
    seed: args.seed,
    trainingMinutes: facts.trainingMinutes,
    machine: trainingMachine(facts.loadBefore),
    history: result.history,
  };
}
