/**
 * The error the composite wasm kernels throw: `message` says what the user can do, `detail` carries
 * the kernel name and attributes a developer needs.
 */
export type WasmKernelErrorCode =
  | 'unsupported-data-format'
  | 'unsupported-dtype'
  | 'unsupported-shape'
  | 'inconsistent-shapes'
  | 'missing-kernel';

export class WasmKernelError extends Error {
  readonly code: WasmKernelErrorCode;
  readonly detail: string;

  constructor(code: WasmKernelErrorCode, message: string, detail: string) {
    super(message);
    this.name = 'WasmKernelError';
    this.code = code;
    this.detail = detail;
  }
}

/** The wasm kernels here compute channels-last (NHWC) tensors only, as the shipped ones do. */
export function assertChannelsLast(kernelName: string, dataFormat: string | undefined): void {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new WasmKernelError(
      'unsupported-data-format',
      'The wasm backend computes this gradient for channels-last (NHWC) images only: convert the ' +
        'model to NHWC.',
      `${kernelName} called with dataFormat '${dataFormat}'.`,
    );
  }
}

export function assertFloat32(kernelName: string, ...tensors: Array<{ dtype: string }>): void {
  for (const t of tensors) {
    if (t.dtype !== 'float32') {
      throw new WasmKernelError(
        'unsupported-dtype',
        'The wasm backend computes this gradient for float32 tensors only.',
        `${kernelName} got a ${t.dtype} tensor.`,
      );
    }
  }
}

/** dy must have the shape the forward op produced with these attributes. */
export function assertShape(
  kernelName: string,
  what: string,
  actual: number[],
  expected: number[],
): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new WasmKernelError(
      'inconsistent-shapes',
      'This gradient was asked for with attributes that do not match the forward operation.',
      `${kernelName}: ${what} has shape [${actual}] but the attributes give [${expected}].`,
    );
  }
}
