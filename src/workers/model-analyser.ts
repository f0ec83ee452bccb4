/**
 * What the field app's two analysers share (analysis.ts for a pothole model, damage-analysis.ts
 * for a road-damage model): the model's description for the page, the warm-up pass, the photo
 * drawn at the model's input size, and the explain core's errors said in the app's terms. Each
 * analyser only says how pixels become an explanation (`explainPixels`).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { CamMethodName } from '../explain/cam/compute-cam';
import { ExplainError } from '../explain/errors';
import { drawModelInput, type PhotoRegion } from '../image/model-input';
import type { LoadedModel } from '../model/load-model';
import { imageToModelInput } from '../model/preprocess';
import { AnalysisError, isCamMethod } from './analysis-error';
import type { Explanation, ModelInfo } from './protocol';
import type { StageClock } from './stage-clock';

/** A photo drawn at the model's input size, RGBA. */
export type InputPixels = { width: number; height: number; data: Uint8ClampedArray };

/**
 * Which colour heatmaps an explanation carries: all; only the first (a new photo's answer
 * reaches the screen sooner, and the page asks for another type's when it is chosen); none
 * (drive frames keep the grids, drawn later). The CAM grids are always there.
 */
export type HeatmapRendering = 'all' | 'first' | 'none';

/** What an explanation is asked for; `started` is when the model input began (for timings). */
export interface ExplainJob {
  region: PhotoRegion;
  method: CamMethodName;
  render: HeatmapRendering;
  clock?: StageClock;
  started: number;
  /**
   * Awaited between the stages of a pass (the model's pass, the not-a-road pass, the CAM): the
   * warm-up yields there to the worker's messages, and stops when a photo has come.
   */
  checkpoint?: () => Promise<void>;
}

/** A warm-up stopped for a photo: that photo's own pass finishes setting the kernels up. */
class WarmUpStopped extends Error {}

export abstract class ModelAnalyser<M extends LoadedModel = LoadedModel> {
  readonly info: ModelInfo;
  /** The warm-up pass's time (up to where a photo stopped it); 0 when a photo was waiting. */
  warmUpMs = 0;

  protected constructor(
    protected readonly loaded: M,
    task: ModelInfo['task'],
  ) {
    const { manifest, adapter } = loaded;
    // Fail now, not on the first photo, when the manifest names a layer the model lacks.
    adapter.layer(manifest.cam.layer);
    this.info = {
      task,
      id: manifest.id,
      version: manifest.version,
      name: manifest.name,
      labels: manifest.labels,
      camLayer: manifest.cam.layer,
      camMethod: isCamMethod(manifest.cam.method) ? manifest.cam.method : 'gradcam',
      inputWidth: manifest.input.width,
      inputHeight: manifest.input.height,
      ...(manifest.task === 'road-damage' && manifest.photoQuality
        ? { photoQuality: manifest.photoQuality }
        : {}),
    };
  }

  /**
   * One pass on a grey image so that the first photo does not pay for kernel set-up, stage by
   * stage while `keepGoing()` says so. A photo that comes meanwhile (a cold start on a slow
   * phone, a photo shared to the app) waits for one stage at most, not for the whole pass.
   */
  protected async warmUp(keepGoing: () => boolean = () => true): Promise<void> {
    let started: number | undefined;
    const checkpoint = async () => {
      // A task of its own: the worker takes the messages that came meanwhile (a photo).
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (!keepGoing()) throw new WarmUpStopped();
      started ??= performance.now();
    };
    const { width, height } = this.loaded.manifest.input;
    const grey = new Uint8ClampedArray(width * height * 4).fill(128);
    try {
      await checkpoint();
      await this.explainPixels(
        { width, height, data: grey },
        { x: 0, y: 0, width: 1, height: 1 },
        this.info.camMethod,
        'none',
        undefined,
        checkpoint,
      );
    } catch (error) {
      if (!(error instanceof WarmUpStopped)) throw error;
    }
    this.warmUpMs = started === undefined ? 0 : performance.now() - started;
  }

  /**
   * The photo's verdict and heatmap(s); `clock` (the worker's) times each stage; `render` says
   * which colour heatmaps to draw (HeatmapRendering).
   */
  async explain(
    photo: OffscreenCanvas | ImageBitmap,
    method: CamMethodName = this.info.camMethod,
    clock?: StageClock,
    render: HeatmapRendering = 'all',
  ): Promise<Explanation> {
    const { input } = this.loaded.manifest;
    const started = performance.now();
    const { image, region } = drawModelInput(photo, input.width, input.height, input.resize);
    clock?.record('resize', started, performance.now());
    return this.explainPixels(image, region, method, render, clock);
  }

  /** Pixels already fitted to the model's input size (so no second resize) -> explanation. */
  private async explainPixels(
    image: InputPixels,
    region: PhotoRegion,
    method: CamMethodName,
    render: HeatmapRendering,
    clock?: StageClock,
    checkpoint?: () => Promise<void>,
  ): Promise<Explanation> {
    const started = performance.now();
    const x = imageToModelInput(image, { ...this.loaded.manifest.input, resize: 'stretch' });
    clock?.record('model input', started, performance.now());
    try {
      return await this.explainInput(x, { region, method, render, clock, started, checkpoint });
    } catch (error) {
      if (error instanceof ExplainError) {
        throw new AnalysisError(error.code, error.message, error.detail);
      }
      throw error;
    } finally {
      x.dispose();
    }
  }

  /** The model input (disposed by the caller) -> explanation. */
  protected abstract explainInput(x: tf.Tensor4D, job: ExplainJob): Promise<Explanation>;

  dispose(): void {
    this.loaded.dispose();
  }
}
