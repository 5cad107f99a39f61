/**
 * The Lua scripts of the Redis event log. A script runs atomically, so a batch is checked and
 * added as one step: no other writer can slip between the check and the XADDs. Each event
 * travels as four ARGV values: sequence, category, action, JSON.
 */

/** ARGV values per event (sequence, category, action, JSON). */
export const ARGS_PER_EVENT = 4;

/**
 * Appends a batch of one run's events, all or nothing (the EventLog fence).
 *
 * KEYS[1]  the run's stream (run:<id>:events)
 * ARGV[1]  MAXLEN for `XADD … MAXLEN ~` (the stream keeps at least this many entries)
 * ARGV[2…] per event, in order: sequence, category, action, JSON
 * Returns  {1, last}: all added, `last` the batch's last sequence;
 *          {0, last}: nothing added, a sequence is not above the stream's last (`last`) or the
 *          batch is not strictly increasing.
 */
export const APPEND_SCRIPT = `
local key = KEYS[1]
local maxlen = ARGV[1]
local tail = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
local last = 0
if tail[1] then last = tonumber(string.match(tail[1][1], '^(%d+)')) end
local previous = last
for i = 2, #ARGV, 4 do
  local seq = tonumber(ARGV[i])
  if seq <= previous then return {0, last} end
  previous = seq
end
for i = 2, #ARGV, 4 do
  redis.call('XADD', key, 'MAXLEN', '~', maxlen, ARGV[i] .. '-0', 'c', ARGV[i + 1], 'a', ARGV[i + 2], 'j', ARGV[i + 3])
end
return {1, previous}
`;

/**
 * Writes back events held during an outage (already stored in the SQL archive), in order. The
 * stream must stay a gap-free suffix of the run's log (readers trust it from its first entry):
 * entries it already has are skipped, and a stream that ends before the batch starts (Redis
 * came back with an old snapshot) is replaced by the batch.
 *
 * KEYS[1]  the run's stream
 * ARGV[1]  MAXLEN for `XADD … MAXLEN ~`
 * ARGV[2]  TTL in seconds to set once written (the run ended meanwhile), or 0 for none
 * ARGV[3…] per event, in order: sequence, category, action, JSON
 * Returns  the number of entries added
 */
export const WRITE_BACK_SCRIPT = `
local key = KEYS[1]
local maxlen = ARGV[1]
local ttl = tonumber(ARGV[2])
local tail = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
local last = 0
if tail[1] then last = tonumber(string.match(tail[1][1], '^(%d+)')) end
if last > 0 and #ARGV >= 3 and tonumber(ARGV[3]) > last + 1 then
  redis.call('DEL', key)
  last = 0
end
local added = 0
for i = 3, #ARGV, 4 do
  local seq = tonumber(ARGV[i])
  if seq > last then
    redis.call('XADD', key, 'MAXLEN', '~', maxlen, ARGV[i] .. '-0', 'c', ARGV[i + 1], 'a', ARGV[i + 2], 'j', ARGV[i + 3])
    last = seq
    added = added + 1
  end
end
if ttl > 0 then redis.call('EXPIRE', key, ttl) end
return added
`;
