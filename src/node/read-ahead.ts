import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/**
 * A file a reader thread opened, looked at, read and hashed: what the main thread would have done,
 * as the same calls on the same descriptor give it.
 */
export interface ReadAheadFile {
  bytes: Buffer;
  /** SHA-256 of the bytes, in hex (`crypto.hash('sha256', bytes)`). */
  digest: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** Files of a list read by a thread of their own, taken by their place in the list. */
export interface ReadAhead {
  /**
   * File `index` of the list as the thread read it, or undefined: read it yourself. Never waits: what
   * the thread has not sent yet is left to the caller, and the thread skips it. Asked in increasing order.
   * The bytes are valid until the next call: their buffer then goes back to the thread.
   */
  take(index: number): ReadAheadFile | undefined;
  /** Ends the thread; what it read and was not taken is dropped. */
  close(): Promise<void>;
  /** Settles once the thread has ended: it went through the list, failed, or was closed. */
  readonly ended: Promise<void>;
}

/** Numbers sent per file: its place in the list, offset in the batch, length, then the stat numbers. */
const FIELDS = 8;
/** Files the caller takes to read itself when the thread has not sent the next one: the thread skips them. */
const CLAIM = 64;
/**
 * Files the thread reads at most beyond the caller's place: their bytes wait in memory until taken,
 * and a thread faster than its caller would otherwise hold the whole folder there.
 */
const AHEAD = 1024;
/** The caller tells the thread its place every this many files. */
const PLACE_EVERY = 128;
/** In the shared cursor's first place: the caller closed the thread (beyond any list's length). */
const CLOSED = 0x7fffffff;
/**
 * How long the caller waits at most for a file the thread has read but not sent yet (its batch is
 * being filled): sent within a file's time as a rule. Longer, and the thread was held up: reading the
 * next files itself (`CLAIM`, some 3 ms of system calls here) costs less than waiting on.
 */
const SEND_WAIT_MS = 2;

/**
 * The thread: opens each file as `openRegularFile` does (O_NOFOLLOW, O_NONBLOCK: a FIFO never blocks
 * it), reads only regular files within the limit, and sends them in batches whose bytes are moved, not
 * copied: small ones first, so the caller has something soon. Before each file it looks at the shared
 * cursor and skips what the caller took to read itself; after each, it sends the batch at once if the
 * caller has taken all that was sent and waits. Plain JavaScript evaluated as the worker's
 * script: the bundle has no file of its own to load.
 */
const READER = `
const CLOSED = ${CLOSED};
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { hash } = require('node:crypto');
const { port, root, cursor, flags, maxBytes, batchFiles, batchBytes, ahead } = workerData;
// Started before the caller knew the list: it comes as the first message (cursor[2] says it was sent),
// unless the caller closes first (cursor[0] past any list).
let files = workerData.files;
while (!files) {
  const given = receiveMessageOnPort(port);
  if (given) files = given.message;
  else if (Atomics.load(cursor, 0) === CLOSED) files = [];
  else Atomics.wait(cursor, 2, 0, 100);
}
let bytes;
let used = 0;
let numbers = [];
let digests = [];
let flushAt = 16;
// A batch's buffer comes back once the caller is done with it, and is filled again: the bytes in
// memory stay those of a few batches, not of every batch the garbage collector has yet to free.
const fresh = () => {
  const returned = receiveMessageOnPort(port);
  return returned ? new Uint8Array(returned.message) : new Uint8Array(batchBytes);
};
const send = () => {
  const buffer = bytes.buffer;
  port.postMessage({ buffer, numbers, digests }, [buffer]);
  // The caller waits for what this batch holds: it can take it now.
  if (Atomics.load(cursor, 3) !== 0) {
    Atomics.store(cursor, 3, 0);
    Atomics.notify(cursor, 3);
  }
  bytes = fresh();
  used = 0;
  numbers = [];
  digests = [];
  flushAt = Math.min(flushAt * 2, batchFiles);
};
bytes = fresh();
const skip = (index) => {
  numbers.push(index, -1, 0, 0, 0, 0, 0, 0);
  digests.push('');
};
function readOne(index) {
  let fd;
  try {
    fd = fs.openSync(root === undefined ? files[index] : path.join(root, files[index]), flags);
  } catch {
    skip(index);
    return;
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile() || stats.size > maxBytes) {
      skip(index);
      return;
    }
    if (used + stats.size > bytes.length) {
      if (used > 0) send();
      // Rare (a post above the batch size): its own buffer, which comes back like any other.
      if (stats.size > bytes.length) bytes = new Uint8Array(stats.size);
    }
    let offset = 0;
    while (offset < stats.size) {
      const read = fs.readSync(fd, bytes, used + offset, stats.size - offset, null);
      if (read === 0) break;
      offset += read;
    }
    digests.push(hash('sha256', bytes.subarray(used, used + offset)));
    numbers.push(index, used, offset, stats.dev, stats.ino, stats.size, stats.mtimeMs, stats.ctimeMs);
    used += offset;
  } catch {
    skip(index);
  } finally {
    fs.closeSync(fd);
  }
}
for (let index = 0; index < files.length; index++) {
  // Far enough ahead of the caller: what is read sends, and the thread waits for the caller to move on.
  for (let place = Atomics.load(cursor, 1); index - place > ahead; place = Atomics.load(cursor, 1)) {
    if (numbers.length > 0) send();
    Atomics.wait(cursor, 1, place, 100);
    if (Atomics.load(cursor, 0) >= files.length) break;
  }
  const taken = Atomics.load(cursor, 0);
  if (index < taken) index = taken;
  if (index >= files.length) break;
  readOne(index);
  Atomics.store(cursor, 4, index + 1);
  // A full batch, or the caller came to the end of what was sent and waits for this one.
  if (numbers.length >= flushAt * ${FIELDS} || Atomics.load(cursor, 3) !== 0) send();
}
if (numbers.length > 0) send();
`;

interface Batch {
  buffer: ArrayBuffer;
  numbers: number[];
  digests: string[];
}

export interface ReadAheadOptions {
  /** Open flags, as the caller opens files itself. */
  flags: number;
  /** The folder the files are named relative to: the thread joins them (no list of whole paths is kept). */
  root?: string;
  /** Larger files are left to the caller (who reports them). */
  maxBytes: number;
  /** Most files per batch sent. @default 256 */
  batchFiles?: number;
  /** Bytes a batch starts with (a larger file gets a batch of its own). @default 1 MiB */
  batchBytes?: number;
  /** Files the thread reads at most beyond the caller's place. @default 1024 */
  ahead?: number;
}

/**
 * Reads `files` in a worker thread while the caller works through what arrived: on a start with
 * thousands of post files, opening, reading and hashing them overlaps with parsing and validating them.
 * The two share the list: whatever the thread has not sent when the caller gets there, the caller reads
 * (while the thread starts, say, or if it failed), so neither ever waits on the other.
 */
export function readAhead(files: readonly string[], options: ReadAheadOptions): ReadAhead {
  return startReadAhead(options, files).read(files);
}

/** A reader thread started before its list is known: it starts while the caller lists the folder. */
export interface ReadAheadStarting {
  /** Gives the thread its list (once): the files are then taken as from `readAhead`. */
  read(files: readonly string[]): ReadAhead;
  /** Ends the thread, given its list or not. */
  close(): Promise<void>;
}

/**
 * Starts the thread of `readAhead` now, and gives it the list later (`read`): starting a thread takes
 * some 70–90 ms here, which a first load spends listing its folder meanwhile.
 * @param [files] - the list, when known now
 */
export function startReadAhead(options: ReadAheadOptions, files?: readonly string[]): ReadAheadStarting {
  /**
   * [0]: the caller reads up to here itself (CLOSED: closed); [1]: the caller's place; [2]: 1 once the list
   * is sent; [3]: 1 while the caller waits for the batch being filled; [4]: how far the thread has read.
   */
  const cursor = new Int32Array(new SharedArrayBuffer(20));
  let port: MessagePort | undefined;
  let worker: Worker | undefined;
  let ended = Promise.resolve();
  try {
    const channel = new MessageChannel();
    port = channel.port1;
    worker = new Worker(READER, {
      eval: true,
      workerData: {
        port: channel.port2,
        ...(files ? { files } : {}),
        ...(options.root !== undefined ? { root: options.root } : {}),
        cursor,
        flags: options.flags,
        maxBytes: options.maxBytes,
        batchFiles: options.batchFiles ?? 256,
        batchBytes: options.batchBytes ?? 1024 * 1024,
        ahead: options.ahead ?? AHEAD,
      },
      transferList: [channel.port2],
      // Its heap holds the list of names and a batch or two at a time.
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    // A failed thread only stops sending: the caller reads the rest.
    worker.on('error', () => undefined);
    const running = worker;
    ended = new Promise((resolve) => running.once('exit', () => resolve()));
  } catch {
    port = undefined;
  }
  const close = async () => {
    Atomics.store(cursor, 0, CLOSED);
    Atomics.notify(cursor, 1);
    Atomics.notify(cursor, 2);
    port?.close();
    await worker?.terminate();
  };
  let given = files !== undefined;
  return {
    read(list) {
      if (!given) {
        given = true;
        port?.postMessage(list);
        Atomics.store(cursor, 2, 1);
        Atomics.notify(cursor, 2);
      }
      return reading(list, cursor, port, close, ended);
    },
    close,
  };
}

/** The caller's side of a thread reading `files`. */
function reading(
  files: readonly string[],
  cursor: Int32Array,
  port: MessagePort | undefined,
  close: () => Promise<void>,
  ended: Promise<void>,
): ReadAhead {
  let batch: Batch | undefined;
  let position = 0;
  /** The caller reads up to here itself. */
  let claimed = 0;
  /** The next record of a batch received, skipping those before `index`; undefined when none is in. */
  const recordFrom = (index: number): number | undefined => {
    for (;;) {
      if (batch) {
        while (position < batch.numbers.length && (batch.numbers[position] ?? Infinity) < index) position += FIELDS;
        if (position < batch.numbers.length) return position;
      }
      const message = port && (receiveMessageOnPort(port)?.message as Batch | undefined);
      if (!message) return undefined;
      // Every file of the last batch was taken and dealt with: its buffer goes back to be filled again.
      if (batch && port) port.postMessage(batch.buffer, [batch.buffer]);
      batch = message;
      position = 0;
    }
  };

  return {
    take(index) {
      if (index % PLACE_EVERY === 0) {
        Atomics.store(cursor, 1, index);
        Atomics.notify(cursor, 1);
      }
      if (index < claimed || !port) return undefined;
      let at = recordFrom(index);
      if (at === undefined && Atomics.load(cursor, 4) > index) {
        // Read, in the batch the thread is filling: it sends that batch at once, and this one waits
        // for it rather than reading the next files a second time.
        Atomics.store(cursor, 3, 1);
        Atomics.wait(cursor, 3, 1, SEND_WAIT_MS);
        Atomics.store(cursor, 3, 0);
        at = recordFrom(index);
      }
      if (at === undefined || !batch || batch.numbers[at] !== index) {
        // Not sent yet: the next few are the caller's, and the thread moves on past them.
        claimed = index + CLAIM;
        if (Atomics.load(cursor, 0) < claimed) Atomics.store(cursor, 0, claimed);
        return undefined;
      }
      const { numbers, digests, buffer } = batch;
      position = at + FIELDS;
      const offset = numbers[at + 1] ?? -1;
      if (offset < 0) return undefined;
      return {
        bytes: Buffer.from(buffer, offset, numbers[at + 2]),
        digest: digests[at / FIELDS] ?? '',
        dev: numbers[at + 3] ?? 0,
        ino: numbers[at + 4] ?? 0,
        size: numbers[at + 5] ?? 0,
        mtimeMs: numbers[at + 6] ?? 0,
        ctimeMs: numbers[at + 7] ?? 0,
      };
    },
    async close() {
      batch = undefined;
      await close();
    },
    ended,
  };
}
