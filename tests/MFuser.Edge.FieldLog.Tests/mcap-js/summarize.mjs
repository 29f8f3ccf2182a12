// Reads an MCAP file with @mcap/core (the reference TypeScript implementation) twice — indexed (summary, chunk
// indexes, message indexes, CRCs validated) and streamed (every record in order) — and prints JSON counts.
import { readFile } from "node:fs/promises";
import { McapIndexedReader, McapStreamReader } from "@mcap/core";

const path = process.argv[2];
const bytes = await readFile(path);

const readable = {
  size: async () => BigInt(bytes.byteLength),
  read: async (offset, length) => bytes.subarray(Number(offset), Number(offset + length)),
};
const indexed = await McapIndexedReader.Initialize({ readable });
const channels = {};
for (const [id, ch] of indexed.channelsById) {
  const schema = indexed.schemasById.get(ch.schemaId);
  channels[id] = { topic: ch.topic, messageEncoding: ch.messageEncoding, schema: schema?.name ?? null, schemaEncoding: schema?.encoding ?? null, messages: 0 };
}
let indexedMessages = 0;
let lastLogTime = -1n;
let ordered = true;
for await (const m of indexed.readMessages()) {
  channels[m.channelId].messages++;
  indexedMessages++;
  if (m.logTime < lastLogTime) ordered = false;
  lastLogTime = m.logTime;
  if (channels[m.channelId].messageEncoding === "json") JSON.parse(new TextDecoder().decode(m.data));
}

const stream = new McapStreamReader({ validateCrcs: true });
stream.append(bytes);
let streamedMessages = 0;
let footer = false;
for (let r; (r = stream.nextRecord()) !== undefined; ) {
  if (r.type === "Message") streamedMessages++;
  if (r.type === "Footer") footer = true;
}

console.log(JSON.stringify({
  header: indexed.header,
  chunks: indexed.chunkIndexes.length,
  statisticsMessageCount: Number(indexed.statistics?.messageCount ?? -1n),
  indexedMessages,
  streamedMessages,
  ordered,
  footer,
  streamDone: stream.done(),
  channels: Object.values(channels),
}));
