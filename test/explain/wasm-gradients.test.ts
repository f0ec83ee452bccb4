/**
 * Every gradient kernel registered for wasm by src/explain/kernels is checked against the cpu
 * backend's own result: same inputs, same op or tf.grad, once under 'cpu' and once under 'wasm'.
 * The end-to-end checks (tfjs-layers training, MobileNet) live in wasm-gradients-models.test.ts.
 */
import { tf, useBackend } from '../../tools/lib/tf-node';
import {
  expectClose,
  onBothBackends,
  randomValues,
  type Fill,
  type InputSpec,
} from './wasm-compare';
import { beforeAll, describe, expect, it } from 'vitest';
import { WasmKernelError } from '../../src/explain/kernels/kernel-error';
import {
  registerWasmGradientKernels,
  shippedWasmKernel,
} from '../../src/explain/kernels/wasm-gradients';

type Pad =
  | 'same'
  | 'valid'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];
type Pair = [number, number];
type Quad = [number, number, number, number];

const explicitPad: Pad = [
  [0, 0],
  [2, 1],
  [0, 3],
  [0, 0],
];

beforeAll(async () => {
  await useBackend('wasm');
});

describe('registration', () => {
  it('registers the missing and the replaced gradient kernels for wasm, idempotently', () => {
    const names = registerWasmGradientKernels();
    expect(names.sort()).toEqual(
      [
        'AvgPoolGrad',
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'MaxPoolGrad',
        'UnsortedSegmentSum',
        // Not gradients: the fast tensor-with-scalar path of tfjs-layers' ReLU6 (and its
        // gradient's forward pass in training), see wasm-scalar-min-max.test.ts.
        'Minimum',
        'Maximum',
      ].sort(),
    );
    const before = names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    expect(registerWasmGradientKernels().sort()).toEqual(names.sort());
    expect(names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc)).toEqual(before);
    // The three kernels that shipped are replaced, not wrapped.
    for (const name of [
      'Conv2DBackpropInput',
      'MaxPoolGrad',
      'AvgPoolGrad',
      'Minimum',
      'Maximum',
    ]) {
      const shipped = shippedWasmKernel(name);
      expect(shipped, name).toBeDefined();
      expect(tf.getKernel(name, 'wasm')?.kernelFunc).not.toBe(shipped?.kernelFunc);
    }
    for (const name of [
      'Conv2DBackpropFilter',
      'UnsortedSegmentSum',
      'DepthwiseConv2dNativeBackpropInput',
    ]) {
      expect(shippedWasmKernel(name), name).toBeUndefined();
    }
  });

  it('refuses channels-first data with a typed error', async () => {
    await useBackend('wasm');
    const dy = tf.ones([1, 3, 4, 4]);
    const filter = tf.ones([3, 3, 2, 3]);
    let caught: unknown;
    try {
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
        inputShape: [1, 2, 4, 4],
        strides: 1,
        pad: 'same',
        dataFormat: 'NCHW',
      } as unknown as tf.NamedAttrMap);
    } catch (e) {
      caught = e;
    }
    tf.dispose([dy, filter]);
    expect(caught).toBeInstanceOf(WasmKernelError);
    expect((caught as WasmKernelError).code).toBe('unsupported-data-format');
    expect((caught as WasmKernelError).message).toMatch(/NHWC/);
  });
});

interface ConvCase {
  x: number[];
  filter: number[];
  strides: number | Pair;
  pad: Pad;
}

/**
 * The input and filter gradients of `conv` on wasm equal the cpu backend's, for random x,
 * filter and upstream gradient (seeds `seed`, `seed + 1`, `seed + 2`).
 */
async function expectConvGradientsMatchCpu(
  conv: (x: tf.Tensor4D, filter: tf.Tensor4D) => tf.Tensor4D,
  x: number[],
  filter: number[],
  seed: number,
): Promise<void> {
  const dyShape = await forwardShape(
    (xt, ft) => conv(xt as tf.Tensor4D, ft as tf.Tensor4D),
    [x, filter],
  );
  const inputs: InputSpec[] = [
    { values: randomValues(x, seed), shape: x },
    { values: randomValues(filter, seed + 1), shape: filter },
    { values: randomValues(dyShape, seed + 2), shape: dyShape },
  ];
  const { cpu, wasm } = await onBothBackends(inputs, (xt, ft, dy) =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), dy)),
    )([xt, ft]),
  );
  expectClose(wasm[0], cpu[0], 'dx');
  expectClose(wasm[1], cpu[1], 'dfilter');
}

const convCases: ConvCase[] = [
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { x: [1, 10, 11, 2], filter: [3, 3, 2, 5], strides: [2, 1], pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [1, 1, 3, 4], strides: 1, pad: 'valid' },
  // Pointwise after global pooling (a CAM head: few rows) and the same with many rows.
  { x: [2, 1, 1, 24], filter: [1, 1, 24, 10], strides: 1, pad: 'valid' },
  { x: [1, 3, 3, 5], filter: [1, 1, 5, 7], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [1, 1, 3, 4], strides: 2, pad: 'same' },
  { x: [1, 7, 7, 2], filter: [3, 3, 2, 3], strides: 2, pad: 1 },
  { x: [1, 7, 7, 2], filter: [3, 3, 2, 3], strides: 1, pad: explicitPad },
  { x: [1, 12, 13, 2], filter: [5, 5, 2, 3], strides: 3, pad: 'same' },
  { x: [1, 6, 6, 2], filter: [2, 2, 2, 3], strides: 2, pad: 'same' },
  { x: [3, 5, 4, 1], filter: [3, 2, 1, 2], strides: [1, 2], pad: 'same' },
];

describe('Conv2D gradients (Conv2DBackpropInput, Conv2DBackpropFilter)', () => {
  it.each(convCases)(
    'x $x, filter $filter, strides $strides, pad $pad',
    ({ x, filter, strides, pad }) =>
      expectConvGradientsMatchCpu((a, b) => tf.conv2d(a, b, strides, pad), x, filter, 1),
  );

  it.each([
    { roundingMode: 'ceil' as const, pad: 1 },
    { roundingMode: 'round' as const, pad: 1 },
    { roundingMode: 'floor' as const, pad: 2 },
  ])('honours dimRoundingMode $roundingMode with pad $pad', async ({ roundingMode, pad }) => {
    const x = [2, 8, 9, 2];
    const filter = [3, 3, 2, 3];
    const dyShape = await forwardShape(
      (xt, ft) => tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 2, pad, 'NHWC', 1, roundingMode),
      [x, filter],
    );
    const attrs = { strides: 2, pad, dataFormat: 'NHWC', dimRoundingMode: roundingMode };
    const inputs: InputSpec[] = [
      { values: randomValues(x, 4), shape: x },
      { values: randomValues(filter, 5), shape: filter },
      { values: randomValues(dyShape, 6), shape: dyShape },
    ];
    const { cpu, wasm } = await onBothBackends(inputs, (xt, ft, dy) => [
      runKernel('Conv2DBackpropInput', { dy, filter: ft }, { ...attrs, inputShape: x }),
      runKernel('Conv2DBackpropFilter', { x: xt, dy }, { ...attrs, filterShape: filter }),
    ]);
    expectClose(wasm[0], cpu[0], 'dx');
    expectClose(wasm[1], cpu[1], 'dfilter');
  });
});

interface DepthwiseCase {
  x: number[];
  filter: number[];
  strides: number | Pair;
  pad: Pad;
}

const depthwiseCases: DepthwiseCase[] = [
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 2], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 1], strides: 2, pad: 'same' },
  { x: [2, 10, 10, 4], filter: [3, 3, 4, 2], strides: 2, pad: 'valid' },
  { x: [1, 7, 8, 2], filter: [3, 3, 2, 2], strides: 2, pad: 1 },
  { x: [1, 7, 7, 2], filter: [3, 3, 2, 1], strides: 1, pad: explicitPad },
  { x: [1, 11, 11, 3], filter: [5, 5, 3, 1], strides: 1, pad: 'same' },
  { x: [3, 6, 5, 2], filter: [2, 3, 2, 2], strides: [2, 1], pad: 'same' },
];

describe('DepthwiseConv2dNative gradients', () => {
  it.each(depthwiseCases)(
    'x $x, filter $filter, strides $strides, pad $pad',
    ({ x, filter, strides, pad }) =>
      expectConvGradientsMatchCpu((a, b) => tf.depthwiseConv2d(a, b, strides, pad), x, filter, 7),
  );

  // tf.grad refuses dilations > 1 for depthwise convs and the cpu backprop kernels ignore them,
  // so the reference is the cpu gradient of the same conv with the filter dilated by zeros.
  it.each([
    { x: [2, 9, 9, 3], filter: [3, 3, 3, 1], dilations: [2, 2] as Pair, pad: 'same' as Pad },
    { x: [1, 10, 9, 2], filter: [3, 3, 2, 2], dilations: [2, 3] as Pair, pad: 'valid' as Pad },
    { x: [1, 9, 10, 2], filter: [2, 3, 2, 1], dilations: [3, 2] as Pair, pad: explicitPad },
  ])(
    'dilations $dilations: x $x, filter $filter, pad $pad',
    async ({ x, filter, dilations, pad }) => {
      const [dh, dw] = dilations;
      const [kh, kw, c, m] = filter;
      const dilatedShape = [(kh - 1) * dh + 1, (kw - 1) * dw + 1, c, m];
      const filterValues = randomValues(filter, 21);
      const dilatedValues = new Float32Array(dilatedShape.reduce((a, b) => a * b, 1));
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          for (let k = 0; k < c * m; k++) {
            dilatedValues[(a * dh * dilatedShape[1] + b * dw) * c * m + k] =
              filterValues[(a * kw + b) * c * m + k];
          }
        }
      }
      const dyShape = await forwardShape(
        (xt, ft) => tf.depthwiseConv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 1, pad),
        [x, dilatedShape],
      );
      const xValues = randomValues(x, 22);
      const dyValues = randomValues(dyShape, 23);
      const reference = await onBothBackends(
        [
          { values: xValues, shape: x },
          { values: dilatedValues, shape: dilatedShape },
          { values: dyValues, shape: dyShape },
        ],
        (xt, ft, dy) =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), dy)),
          )([xt, ft]),
      );
      const attrs = { strides: 1, dilations, pad };
      const { wasm } = await onBothBackends(
        [
          { values: xValues, shape: x },
          { values: filterValues, shape: filter },
          { values: dyValues, shape: dyShape },
        ],
        (xt, ft, dy) => [
          runKernel(
            'DepthwiseConv2dNativeBackpropInput',
            { dy, filter: ft },
            { ...attrs, inputShape: x },
          ),
          runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x: xt, dy },
            { ...attrs, filterShape: filter },
          ),
        ],
      );
      expectClose(wasm[0], reference.cpu[0], 'dx');
      const dilatedGrad = reference.cpu[1];
      const expectedFilterGrad = new Float32Array(filterValues.length);
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          for (let k = 0; k < c * m; k++) {
            expectedFilterGrad[(a * kw + b) * c * m + k] =
              dilatedGrad[(a * dh * dilatedShape[1] + b * dw) * c * m + k];
          }
        }
      }
      expectClose(wasm[1], expectedFilterGrad, 'dfilter');
    },
  );

  it.each(['ceil', 'round'] as const)('honours dimRoundingMode %s', async (roundingMode) => {
    const x = [1, 9, 10, 2];
    const filter = [3, 3, 2, 2];
    const attrs = { strides: 2, dilations: 1, pad: 1, dimRoundingMode: roundingMode };
    const dyShape = await forwardShape(
      (xt, ft) =>
        tf.depthwiseConv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 2, 1, 'NHWC', 1, roundingMode),
      [x, filter],
    );
    const inputs: InputSpec[] = [
      { values: randomValues(x, 10), shape: x },
      { values: randomValues(filter, 11), shape: filter },
      { values: randomValues(dyShape, 12), shape: dyShape },
    ];
    const { cpu, wasm } = await onBothBackends(inputs, (xt, ft, dy) => [
      runKernel(
        'DepthwiseConv2dNativeBackpropInput',
        { dy, filter: ft },
        { ...attrs, inputShape: x },
      ),
      runKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x: xt, dy },
        { ...attrs, filterShape: filter },
      ),
    ]);
    expectClose(wasm[0], cpu[0], 'dx');
    expectClose(wasm[1], cpu[1], 'dfilter');
  });
});

interface PoolCase {
  x: number[];
  size: number | Pair;
  strides: number | Pair;
  pad: 'same' | 'valid' | number;
  fill: Fill;
}

const poolCases: PoolCase[] = [
  { x: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid', fill: 'relu' },
  { x: [2, 9, 9, 3], size: 3, strides: 2, pad: 'same', fill: 'relu' },
  { x: [2, 9, 9, 3], size: 3, strides: 2, pad: 'valid', fill: 'small-integers' },
  { x: [1, 7, 7, 2], size: 3, strides: 1, pad: 'same', fill: 'small-integers' },
  { x: [2, 7, 9, 2], size: 2, strides: 2, pad: 'same', fill: 'relu' },
  { x: [2, 6, 6, 2], size: 3, strides: 2, pad: 'same', fill: 'zeros' },
  { x: [2, 6, 6, 2], size: 2, strides: 2, pad: 'valid', fill: 'negative' },
  { x: [1, 9, 8, 2], size: [3, 2], strides: [2, 1], pad: 'same', fill: 'normal' },
  { x: [1, 7, 7, 3], size: 7, strides: 1, pad: 'valid', fill: 'normal' },
  { x: [1, 8, 8, 1], size: 2, strides: 3, pad: 'valid', fill: 'relu' },
  { x: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid', fill: 'specials' },
  { x: [1, 9, 9, 2], size: 3, strides: 2, pad: 'same', fill: 'specials' },
];

describe('pooling gradients (MaxPoolGrad, AvgPoolGrad)', () => {
  it.each(poolCases)(
    'x $x, size $size, strides $strides, pad $pad, $fill values',
    async ({ x, size, strides, pad, fill }) => {
      const maxShape = await forwardShape(
        (xt) => tf.maxPool(xt as tf.Tensor4D, size, strides, pad),
        [x],
      );
      const inputs: InputSpec[] = [
        { values: randomValues(x, 13, fill), shape: x },
        { values: randomValues(maxShape, 14), shape: maxShape },
      ];
      const { cpu, wasm } = await onBothBackends(inputs, (xt, dy) => [
        tf.grad((a: tf.Tensor) =>
          tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, strides, pad), dy)),
        )(xt),
        tf.grad((a: tf.Tensor) =>
          tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, size, strides, pad), dy)),
        )(xt),
      ]);
      expectClose(wasm[0], cpu[0], 'max-pool dx');
      expectClose(wasm[1], cpu[1], 'avg-pool dx');
    },
  );

  // maxPool's gradient drops dimRoundingMode (tfjs-core 4.22), so call the kernel directly.
  it.each(['ceil', 'round', 'floor'] as const)(
    'MaxPoolGrad honours dimRoundingMode %s',
    async (roundingMode) => {
      const x = [2, 8, 9, 2];
      const attrs = { filterSize: 3, strides: 2, pad: 1, dimRoundingMode: roundingMode };
      const yShape = await forwardShape(
        (xt) => tf.maxPool(xt as tf.Tensor4D, 3, 2, 1, roundingMode),
        [x],
      );
      const xValues = randomValues(x, 24, 'small-integers');
      // The pooled output comes from the cpu backend: the shipped wasm MaxPool ignores the mode.
      const pooled = tf.tidy(() =>
        tf.maxPool(tf.tensor4d(xValues, x as Quad), 3, 2, 1, roundingMode).dataSync(),
      );
      const inputs: InputSpec[] = [
        { values: xValues, shape: x },
        { values: Float32Array.from(pooled), shape: yShape },
        { values: randomValues(yShape, 25), shape: yShape },
      ];
      const { cpu, wasm } = await onBothBackends(inputs, (xt, y, dy) =>
        runKernel('MaxPoolGrad', { dy, input: xt, output: y }, attrs),
      );
      expectClose(wasm[0], cpu[0], 'dx');
    },
  );

  it('gives a window of equal values its gradient at the first one, as the cpu backend does', async () => {
    // All four windows are ties; the cpu backend credits the top-left element of each.
    const { cpu, wasm } = await onBothBackends(
      [{ values: new Float32Array(16), shape: [1, 4, 4, 1] }],
      (xt) => tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(xt),
    );
    expect(Array.from(cpu[0])).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(wasm[0])).toEqual(Array.from(cpu[0]));
  });
});

describe('UnsortedSegmentSum (gradient of gather)', () => {
  it.each([
    { x: [10, 3], indices: [3, 1, 3, 9, 0, 3], axis: 0 },
    { x: [4, 6, 2], indices: [5, 5, 0, 2], axis: 1 },
    { x: [2, 4, 4, 3], indices: [0, 3, 3, 1], axis: 2 },
  ])('gather of $x along axis $axis with repeated indices', async ({ x, indices, axis }) => {
    const inputs: InputSpec[] = [
      { values: randomValues(x, 15), shape: x },
      { values: Int32Array.from(indices), shape: [indices.length], dtype: 'int32' },
    ];
    const { cpu, wasm } = await onBothBackends(inputs, (xt, idx) =>
      tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.gather(a, idx, axis))))(xt),
    );
    expectClose(wasm[0], cpu[0], 'dx');
  });

  it('samples a flattened image (the gather activation maximization uses)', async () => {
    const image = [1, 16, 16, 3];
    const pixels = 16 * 16;
    const picks = Int32Array.from({ length: 700 }, (_, i) => (i * 37 + (i % 5)) % pixels);
    const inputs: InputSpec[] = [
      { values: randomValues(image, 16), shape: image },
      { values: picks, shape: [picks.length], dtype: 'int32' },
    ];
    const { cpu, wasm } = await onBothBackends(inputs, (img, idx) =>
      tf.grad((a: tf.Tensor) => {
        const flat = tf.reshape(a, [pixels, 3]);
        return tf.sum(
          tf.mul(tf.gather(flat, idx), tf.reshape(tf.linspace(-1, 1, picks.length * 3), [-1, 3])),
        );
      })(img),
    );
    expectClose(wasm[0], cpu[0], 'dimage');
  });

  it('drops segment ids outside [0, numSegments) like the cpu backend', async () => {
    const inputs: InputSpec[] = [
      { values: randomValues([6, 2], 17), shape: [6, 2] },
      { values: Int32Array.from([0, -1, 2, 4, 2, 7]), shape: [6], dtype: 'int32' },
    ];
    const { cpu, wasm } = await onBothBackends(inputs, (x, ids) =>
      tf.unsortedSegmentSum(x, ids as tf.Tensor1D, 4),
    );
    expectClose(wasm[0], cpu[0], 'sums');
  });

  it('sums int32 values exactly', async () => {
    const inputs: InputSpec[] = [
      {
        values: Int32Array.from({ length: 12 }, (_, i) => i * 3 - 7),
        shape: [3, 2, 2],
        dtype: 'int32',
      },
      { values: Int32Array.from([1, 0, 1]), shape: [3], dtype: 'int32' },
    ];
    const { cpu, wasm } = await onBothBackends(inputs, (x, ids) =>
      tf.unsortedSegmentSum(x, ids as tf.Tensor1D, 3),
    );
    expect(Array.from(wasm[0])).toEqual(Array.from(cpu[0]));
  });

  it('refuses segment ids that are not one per row, with a typed error', async () => {
    await useBackend('wasm');
    const x = tf.ones([3, 2]);
    const ids = tf.tensor2d([0, 1, 1, 0, 2, 2], [3, 2], 'int32');
    expect(() => tf.unsortedSegmentSum(x, ids as unknown as tf.Tensor1D, 3)).toThrow(
      WasmKernelError,
    );
    tf.dispose([x, ids]);
  });
});

describe('memory', () => {
  it('leaks no tensors and no wasm buffers over repeated gradient steps', async () => {
    await useBackend('wasm');
    const x = tf.tensor(randomValues([2, 9, 9, 3], 18, 'relu'), [2, 9, 9, 3]) as tf.Tensor4D;
    const filter = tf.tensor(randomValues([3, 3, 3, 4], 19), [3, 3, 3, 4]) as tf.Tensor4D;
    const depthwise = tf.tensor(randomValues([3, 3, 4, 2], 20), [3, 3, 4, 2]) as tf.Tensor4D;
    const indices = tf.tensor1d([0, 2, 2, 5], 'int32');
    const loss = (a: tf.Tensor, f: tf.Tensor, d: tf.Tensor) => {
      const conv = tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 2, 'same');
      const dw = tf.depthwiseConv2d(tf.relu(conv), d as tf.Tensor4D, 1, 'same');
      const pooled = tf.add(tf.maxPool(dw, 3, 2, 'same'), tf.avgPool(dw, 3, 2, 'same'));
      return tf.sum(tf.gather(tf.reshape(pooled, [-1]), indices));
    };
    const step = () => tf.dispose(tf.grads(loss)([x, filter, depthwise]));
    step();
    const before = tf.memory();
    const buffersBefore = tf.backend().numDataIds();
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    tf.dispose([x, filter, depthwise, indices]);
  });
});

/** The output shape of a forward op, computed once on the cpu backend. */
async function forwardShape(
  op: (...ts: tf.Tensor[]) => tf.Tensor,
  shapes: number[][],
): Promise<number[]> {
  await useBackend('cpu');
  return tf.tidy(() => op(...shapes.map((s) => tf.zeros(s))).shape);
}

function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}
