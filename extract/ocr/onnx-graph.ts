/**
 * One rewrite of an ONNX model's graph before onnxruntime loads it: hard-swish written out as four
 * operators (x · clip(x + 3, 0, 6) / 6, how Paddle2ONNX exports PP-LCNet's activation) becomes the
 * one HardSwish operator (ONNX opset 14).
 *
 * Why: in the PP-OCRv4 recognition model those four element-wise passes over every feature map,
 * and the layout reorders onnxruntime puts around them, took about half of a run's CPU time
 * (onnxruntime's profiler: Conv 44%, Mul/Add/Clip/Div 36%, reorders 14%); onnxruntime fuses no
 * such pattern itself. The model computes the same function, up to float rounding.
 *
 * The model is read at the protobuf wire level (no ONNX library in JS): only the graph's node list
 * and the opset are rewritten; every other byte is copied as it is.
 */

/** A field of a protobuf message: its number, wire type and the bytes of its value. */
interface Field {
  no: number;
  wire: number;
  /** The value's bytes (for length-delimited fields, without the length). */
  value: Uint8Array;
  /** The varint value of a wire type 0 field. */
  int?: number;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error('truncated varint');
    v += (b & 0x7f) * mul;
    if (b < 0x80) return [v, pos];
    mul *= 128;
  }
}

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p] = readVarint(buf, pos);
    pos = p;
    const no = Math.floor(key / 8);
    const wire = key & 7;
    const start = pos;
    if (wire === 0) {
      const [v, q] = readVarint(buf, pos);
      out.push({ no, wire, value: buf.subarray(start, q), int: v });
      pos = q;
    } else if (wire === 1) {
      pos += 8;
      out.push({ no, wire, value: buf.subarray(start, pos) });
    } else if (wire === 5) {
      pos += 4;
      out.push({ no, wire, value: buf.subarray(start, pos) });
    } else if (wire === 2) {
      const [len, q] = readVarint(buf, pos);
      out.push({ no, wire, value: buf.subarray(q, q + len) });
      pos = q + len;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (pos > buf.length) throw new Error('truncated protobuf field');
  }
  return out;
}

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function encode(list: Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of list) {
    parts.push(Uint8Array.from(varint(f.no * 8 + f.wire)));
    if (f.wire === 2) parts.push(Uint8Array.from(varint(f.value.length)));
    parts.push(f.value);
  }
  return Buffer.concat(parts);
}

const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

interface Node {
  field: Field;
  op: string;
  inputs: string[];
  outputs: string[];
}

/** The single float value of a TensorProto (float_data or raw_data), if it holds exactly one. */
function scalar(tensor: Uint8Array): number | undefined {
  let value: number | undefined;
  let count = 0;
  let type = 1;
  for (const f of fields(tensor)) {
    if (f.no === 2 && f.wire === 0) type = f.int!;
    if (f.no === 4 && f.wire === 5) {
      value = Buffer.from(f.value).readFloatLE(0);
      count++;
    }
    if (f.no === 4 && f.wire === 2) {
      count += f.value.length / 4;
      if (f.value.length === 4) value = Buffer.from(f.value).readFloatLE(0);
    }
    if (f.no === 9 && f.wire === 2) {
      count += f.value.length / 4;
      if (f.value.length === 4) value = Buffer.from(f.value).readFloatLE(0);
    }
  }
  return type === 1 && count === 1 ? value : undefined;
}

/** A float attribute of a node (AttributeProto.f). */
function floatAttribute(node: Uint8Array, name: string): number | undefined {
  for (const f of fields(node)) {
    if (f.no !== 5 || f.wire !== 2) continue;
    const parts = fields(f.value);
    const n = parts.find((g) => g.no === 1 && g.wire === 2);
    const v = parts.find((g) => g.no === 2 && g.wire === 5);
    if (n && v && utf8(n.value) === name) return Buffer.from(v.value).readFloatLE(0);
  }
  return undefined;
}

function float32(v: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v, 0);
  return new Uint8Array(b);
}

/** A NodeProto's bytes. */
function nodeBytes(op: string, name: string, inputs: string[], outputs: string[], floats: Record<string, number> = {}): Uint8Array {
  return encode([
    ...inputs.map((i) => ({ no: 1, wire: 2, value: bytes(i) })),
    ...outputs.map((o) => ({ no: 2, wire: 2, value: bytes(o) })),
    { no: 3, wire: 2, value: bytes(name) },
    { no: 4, wire: 2, value: bytes(op) },
    // AttributeProto: name, f, type FLOAT (1).
    ...Object.entries(floats).map(([k, v]) => ({
      no: 5,
      wire: 2,
      value: encode([
        { no: 1, wire: 2, value: bytes(k) },
        { no: 2, wire: 5, value: float32(v) },
        { no: 20, wire: 0, value: Uint8Array.from(varint(1)), int: 1 },
      ]),
    })),
  ]);
}

/**
 * Hard-swish as Mul(x, HardSigmoid(x; 1/6, 0.5)) in place of Add(x, 3) → Clip(0, 6) → Mul(x, ·)
 * → Div(6): the rewritten model and how many it replaced. (HardSigmoid is an opset 6 operator; the
 * one HardSwish operator needs opset 14, and raising the model's opset 9 would change the meaning
 * of its Clip, Slice and Squeeze nodes.)
 */
export function fuseHardSwish(model: Uint8Array): { model: Uint8Array; fused: number } {
  const top = fields(model);
  const graphField = top.find((f) => f.no === 7 && f.wire === 2);
  if (!graphField) return { model, fused: 0 };
  const graph = fields(graphField.value);
  const consts = new Map<string, number | undefined>();
  for (const f of graph)
    if (f.no === 5 && f.wire === 2) {
      const name = fields(f.value).find((g) => g.no === 8 && g.wire === 2);
      if (name) consts.set(utf8(name.value), scalar(f.value));
    }
  const nodes: Node[] = [];
  for (const f of graph)
    if (f.no === 1 && f.wire === 2) {
      const n: Node = { field: f, op: '', inputs: [], outputs: [] };
      for (const g of fields(f.value)) {
        if (g.no === 1 && g.wire === 2) n.inputs.push(utf8(g.value));
        if (g.no === 2 && g.wire === 2) n.outputs.push(utf8(g.value));
        if (g.no === 4 && g.wire === 2) n.op = utf8(g.value);
      }
      if (n.op === 'Constant' && n.outputs.length === 1) {
        const value = fields(f.value).find((g) => g.no === 5 && g.wire === 2);
        const t = value && fields(value.value).find((g) => g.no === 5 && g.wire === 2);
        consts.set(n.outputs[0], t && scalar(t.value));
      }
      nodes.push(n);
    }
  const producer = new Map<string, Node>();
  const uses = new Map<string, number>();
  for (const n of nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  }
  for (const f of graph)
    if (f.no === 12 && f.wire === 2) {
      const name = fields(f.value).find((g) => g.no === 1 && g.wire === 2);
      if (name) uses.set(utf8(name.value), (uses.get(utf8(name.value)) ?? 0) + 1);
    }
  const is = (name: string | undefined, v: number) => name !== undefined && consts.get(name) === v;
  const single = (n: Node | undefined) => !!n && n.outputs.length === 1 && uses.get(n.outputs[0]) === 1;
  const drop = new Set<Node>();
  const replace = new Map<Node, Field[]>();
  /** The input x of each replacement. */
  const reads = new Map<Node, string>();
  for (const div of nodes) {
    if (div.op !== 'Div' || div.inputs.length !== 2 || !is(div.inputs[1], 6)) continue;
    const mul = producer.get(div.inputs[0]);
    if (mul?.op !== 'Mul' || !single(mul) || mul.inputs.length !== 2) continue;
    for (const k of [0, 1]) {
      const x = mul.inputs[1 - k];
      const clip = producer.get(mul.inputs[k]);
      if (clip?.op !== 'Clip' || !single(clip)) continue;
      // Clip's bounds: attributes before opset 11, inputs from it on.
      const lo = clip.inputs.length > 1 ? consts.get(clip.inputs[1]) : floatAttribute(clip.field.value, 'min');
      const hi = clip.inputs.length > 2 ? consts.get(clip.inputs[2]) : floatAttribute(clip.field.value, 'max');
      if (lo !== 0 || hi !== 6) continue;
      const add = producer.get(clip.inputs[0]);
      if (add?.op !== 'Add' || !single(add) || add.inputs.length !== 2) continue;
      const [a, b] = add.inputs;
      if (!((a === x && is(b, 3)) || (b === x && is(a, 3)))) continue;
      for (const n of [add, clip, mul]) drop.add(n);
      reads.set(div, x);
      const out = div.outputs[0];
      const gate = `${out}/hardsigmoid`;
      replace.set(div, [
        { no: 1, wire: 2, value: nodeBytes('HardSigmoid', gate, [x], [gate], { alpha: 1 / 6, beta: 0.5 }) },
        { no: 1, wire: 2, value: nodeBytes('Mul', `${out}/mul`, [x, gate], [out]) },
      ]);
      break;
    }
  }
  if (!replace.size) return { model, fused: 0 };
  // Constants that only the replaced nodes read (3 and 6) go too: onnxruntime warns of each unused one.
  const left = new Set(nodes.filter((n) => !drop.has(n) && n.op !== 'Constant').flatMap((n) => (reads.has(n) ? [reads.get(n)!] : n.inputs)));
  for (const f of graph)
    if (f.no === 12 && f.wire === 2) {
      const name = fields(f.value).find((g) => g.no === 1 && g.wire === 2);
      if (name) left.add(utf8(name.value));
    }
  for (const n of nodes) if (n.op === 'Constant' && !n.outputs.some((o) => left.has(o))) drop.add(n);
  const byField = new Map(nodes.map((n) => [n.field, n]));
  // Nodes stay in order: the replacement sits where the Div was, after everything it reads.
  const newGraph = graph.flatMap((f) => {
    const n = byField.get(f);
    if (!n) return [f];
    if (drop.has(n)) return [];
    return replace.get(n) ?? [f];
  });
  return { model: encode(top.map((f) => (f === graphField ? { ...f, value: encode(newGraph) } : f))), fused: replace.size };
}
