/**
 * Minimum and Maximum with a scalar operand, for 'wasm'. tfjs-layers computes ReLU6 as
 * `minimum(6, relu(x))`, and the shipped wasm kernel runs a tensor-with-scalar Minimum through
 * its generic broadcasting loop: about 20x slower than the relu before it, half of a MobileNet's
 * inference time. Here that case is one SIMD pass (f32x4.min / f32x4.max) of a tiny wasm module
 * that shares the backend's memory; every other case (two tensors, int32) goes to the shipped
 * kernel. f32x4.min / max propagate NaN and order -0 below +0, as the cpu backend's Math.min /
 * Math.max do (the shipped wasm kernel returns 6 for minimum(6, NaN)).
 */
import { backend_util, util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';

/** What the kernel reads of the wasm backend (public fields of BackendWasm). */
interface WasmBackendLike {
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: Record<string, unknown> };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

type ScalarLoop = (inPtr: number, outPtr: number, n: number, c: number) => void;

interface ScalarLoops {
  min: ScalarLoop;
  max: ScalarLoop;
}

/** The module's two functions: a 4-wide SIMD loop, then a scalar tail. */
function loopBody(vectorOp: number, scalarOp: number): number[] {
  // params: 0 in, 1 out, 2 n, 3 c; locals: 4 i (bytes), 5 vector end, 6 end, 7 c x 4.
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const addresses = [...get(1), ...get(4), 0x6a, ...get(0), ...get(4), 0x6a];
  const step = (bytes: number) => [...get(4), 0x41, bytes, 0x6a, ...set(4)];
  return [
    0x02,
    0x03,
    0x7f,
    0x01,
    0x7b, // locals: 3 x i32, 1 x v128
    ...get(3),
    0xfd,
    0x13,
    ...set(7), // f32x4.splat(c)
    ...get(2),
    0x41,
    0x02,
    0x74,
    ...set(6), // end = n << 2
    ...get(6),
    0x41,
    0x70,
    0x71,
    ...set(5), // vector end = end & -16
    0x02,
    0x40,
    0x03,
    0x40, // block, loop
    ...get(4),
    ...get(5),
    0x4f,
    0x0d,
    0x01, // if i >= vector end: break
    ...addresses,
    0xfd,
    0x00,
    0x02,
    0x00, // v128.load
    ...get(7),
    0xfd,
    vectorOp,
    0x01, // f32x4.min / max
    0xfd,
    0x0b,
    0x02,
    0x00, // v128.store
    ...step(16),
    0x0c,
    0x00,
    0x0b,
    0x0b, // i += 16; continue
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(4),
    ...get(6),
    0x4f,
    0x0d,
    0x01, // if i >= end: break
    ...addresses,
    0x2a,
    0x02,
    0x00, // f32.load
    ...get(3),
    scalarOp, // f32.min / max
    0x38,
    0x02,
    0x00, // f32.store
    ...step(4),
    0x0c,
    0x00,
    0x0b,
    0x0b,
    0x0b, // end of function
  ];
}

function unsignedLeb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

function moduleBytes(sharedMemory: boolean): Uint8Array<ArrayBuffer> {
  const name = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  // Imported memory of any size: shared memory must declare a maximum (65536 pages: 4 GiB).
  const limits = sharedMemory ? [0x03, 0x00, ...unsignedLeb(65536)] : [0x00, 0x00];
  const bodies = [loopBody(0xe8, 0x96), loopBody(0xe9, 0x97)].map((b) => [
    ...unsignedLeb(b.length),
    ...b,
  ]);
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [0x01, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7d, 0x00]),
    ...section(2, [0x01, ...name('env'), ...name('memory'), 0x02, ...limits]),
    ...section(3, [0x02, 0x00, 0x00]),
    ...section(7, [0x02, ...name('min'), 0x00, 0x00, ...name('max'), 0x00, 0x01]),
    ...section(10, [0x02, ...bodies.flat()]),
  ]);
}

/** The backend's memory, in the single-threaded (exported) and threaded (imported) builds. */
function backendMemory(backend: WasmBackendLike): WebAssembly.Memory | undefined {
  const { wasmMemory, asm } = backend.wasm;
  if (wasmMemory instanceof WebAssembly.Memory) return wasmMemory;
  if (asm?.memory instanceof WebAssembly.Memory) return asm.memory;
  return Object.values(asm ?? {}).find(
    (v): v is WebAssembly.Memory => v instanceof WebAssembly.Memory,
  );
}

const loopsByBackend = new WeakMap<object, ScalarLoops | null>();

/** The SIMD loops over this backend's memory, or null where SIMD or the memory is unavailable. */
export function scalarLoops(backend: object): ScalarLoops | null {
  const cached = loopsByBackend.get(backend);
  if (cached !== undefined) return cached;
  let loops: ScalarLoops | null = null;
  try {
    const memory = backendMemory(backend as WasmBackendLike);
    if (memory) {
      const shared =
        typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const bytes = moduleBytes(shared);
      if (WebAssembly.validate(bytes)) {
        // 300 bytes: compiling synchronously is allowed on any thread.
        const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
          env: { memory },
        });
        loops = instance.exports as unknown as ScalarLoops;
      }
    }
  } catch {
    loops = null;
  }
  loopsByBackend.set(backend, loops);
  return loops;
}

/**
 * A Minimum / Maximum kernel for 'wasm' that takes the SIMD path for float32 tensor-with-scalar
 * and hands every other case to `shipped` (the kernel tfjs-backend-wasm registered).
 */
export function scalarMinMaxConfig(
  kernelName: 'Minimum' | 'Maximum',
  shipped: () => KernelConfig | undefined,
): KernelConfig {
  const setUp = new WeakSet<object>();
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const backend = args.backend as unknown as WasmBackendLike;
      const sizeA = util.sizeFromShape(a.shape);
      const sizeB = util.sizeFromShape(b.shape);
      const loops = scalarLoops(backend);
      if (loops && a.dtype === 'float32' && b.dtype === 'float32' && (sizeA === 1 || sizeB === 1)) {
        const [x, scalar] = sizeB === 1 ? [a, b] : [b, a];
        const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
        const out = backend.makeOutput(outShape, 'float32');
        const n = util.sizeFromShape(outShape);
        if (n === 0) return out;
        const c = backend.typedArrayFromHeap(scalar)[0];
        const xPtr = backend.dataIdMap.get(x.dataId)!.memoryOffset;
        const outPtr = backend.dataIdMap.get(out.dataId)!.memoryOffset;
        (kernelName === 'Minimum' ? loops.min : loops.max)(xPtr, outPtr, n, c);
        return out;
      }
      const fallback = shipped();
      if (!fallback) throw new Error(`tfjs-backend-wasm registered no ${kernelName} kernel`);
      if (!setUp.has(backend)) {
        // Registered after the backend started, this kernel's setup ran instead of the
        // shipped one's: run that (it only binds the wasm function).
        fallback.setupFunc?.(args.backend);
        setUp.add(backend);
      }
      return fallback.kernelFunc(args);
    },
  };
}
