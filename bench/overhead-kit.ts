// Counting the bytes of logged frames for bench/overhead.bench.ts: as JSON text (UTF-8), and on the wire with
// each WebSocket frame's header (RFC 6455 §5.2: 2 bytes up to 125 bytes of payload, 4 up to 65,535; client
// frames add a 4-byte mask key).

/** How fast the messages of one scenario go: `count` of them, `intervalMs` apart (0: in one burst). */
export interface Pace {
  name: string;
  count: number;
  intervalMs: number;
}

/** Frames of one kind in one direction: how many, their text bytes, and their bytes on the wire. */
export interface Bytes {
  frames: number;
  text: number;
  wire: number;
}

/** What one scenario exchanged, and what the protocol added per message beyond the payload. */
export interface ScenarioBytes {
  count: number;
  /** The frames that carry the messages. */
  data: Bytes;
  /** Acknowledgements: `ack` frames either way, and `"ack":n` fields riding on other frames (text only). */
  acks: Bytes;
  /** Any other frame either way. */
  other: Bytes;
  /** Per message, in bytes: the envelope around the payload, the acks, both; and both with WebSocket framing. */
  perMessage: { envelope: number; acks: number; total: number; wireTotal: number };
}

const utf8 = (text: string): number => Buffer.byteLength(text);
const header = (bytes: number, fromClient: boolean): number =>
  (bytes <= 125 ? 2 : bytes <= 65_535 ? 4 : 10) + (fromClient ? 4 : 0);
const none = (): Bytes => ({ frames: 0, text: 0, wire: 0 });
const add = (into: Bytes, text: number, fromClient: boolean): void => {
  into.frames++;
  into.text += text;
  into.wire += text + header(text, fromClient);
};

/**
 * Tallies a scenario: `count` messages carrying `payload` went `direction` (`out`: client → server, `in`:
 * server → client) in `message` frames.
 */
export function tallyBytes(
  wire: { out: string[]; in: string[] },
  direction: 'out' | 'in',
  count: number,
  payload: unknown,
): ScenarioBytes {
  const [data, acks, other] = [none(), none(), none()];
  let riding = 0;
  for (const side of ['out', 'in'] as const) {
    for (const text of wire[side]) {
      const frame = JSON.parse(text) as { type?: string; ack?: number };
      const bytes = utf8(text);
      if (frame.type === 'ack') add(acks, bytes, side === 'out');
      else if (frame.type === 'message' && side === direction) {
        add(data, bytes, side === 'out');
        if (typeof frame.ack === 'number') riding += `,"ack":${frame.ack}`.length;
      } else add(other, bytes, side === 'out');
    }
  }
  const payloadBytes = payload === undefined ? 0 : utf8(JSON.stringify(payload)) * count;
  acks.text += riding;
  const envelope = (data.text - riding - payloadBytes) / count;
  const perAck = acks.text / count;
  return {
    count,
    data,
    acks,
    other,
    perMessage: {
      envelope,
      acks: perAck,
      total: envelope + perAck,
      wireTotal: (data.wire + acks.wire - payloadBytes) / count,
    },
  };
}

/** Every frame of a connection's setup, per direction and type: what a connection costs once. */
export function tallyConnection(wire: { out: string[]; in: string[] }): Record<string, Bytes> {
  const byType: Record<string, Bytes> = {};
  for (const side of ['out', 'in'] as const) {
    for (const text of wire[side]) {
      const type = `${side === 'out' ? 'C→S' : 'S→C'} ${(JSON.parse(text) as { type?: string }).type}`;
      byType[type] ??= none();
      add(byType[type], utf8(text), side === 'out');
    }
  }
  return byType;
}
