-- Counts a chunk of observations atomically; see redis.go for the key
-- layout and doc.go for the rules, which the Memory store follows too.
--
-- ARGV: prefix, window, lateness, short window, key TTL, generation (all ms),
-- min shared bands, n, then per post: post hash (16 hex), event time (ms), author, k, and k
-- keys (9 bytes: 'b' for a band or 'x' for the exact fingerprint, then the
-- key's 8 bytes, big-endian).
-- Returns 8 values per post: replay (0/1), author posts in the short window
-- and in the window, author copies, cluster ("" when trivial), cluster copies,
-- cluster authors, cluster first seen (ms).
local P = ARGV[1]
local W = tonumber(ARGV[2])
local L = tonumber(ARGV[3])
local S = tonumber(ARGV[4])
local TTL = ARGV[5]
local G = tonumber(ARGV[6])
local M = tonumber(ARGV[7])
local n = tonumber(ARGV[8])

local function num(x) return string.format('%d', x) end
local function excl(x) return '(' .. string.format('%d', x) end

local wmkey = P .. 'wm'
local wm = redis.call('GET', wmkey)
if wm then wm = tonumber(wm) end

-- add drops from a sorted set what is older than the retention (before
-- adding, so that a post older than the retention still counts itself),
-- adds member and keeps the key for TTL.
local function add(key, score, member, cut, flag)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', excl(cut))
  if flag then
    redis.call('ZADD', key, flag, num(score), member)
  else
    redis.call('ZADD', key, num(score), member)
  end
  redis.call('PEXPIRE', key, TTL)
end

local out = {}
local i = 9
for _ = 1, n do
  local h, at, author, nk = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], tonumber(ARGV[i + 3])
  local k0 = i + 4
  i = k0 + nk
  local pkey = P .. 'p:' .. h
  local rec = redis.call('GET', pkey)
  if rec then
    local a1, a24, acp, ccp, cau, first, _, cid = string.match(rec, '^(%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) (%S+) ')
    if cid == '-' then cid = '' end
    local row = {1, tonumber(a1), tonumber(a24), tonumber(acp), cid, tonumber(ccp), tonumber(cau), tonumber(first)}
    for _, v in ipairs(row) do out[#out + 1] = v end
  else
    if not wm or at > wm then wm = at end
    local cut = wm - W - L
    local lo = at - W
    local akey = P .. 'a:' .. author
    add(akey, at, h, cut)
    local a1 = redis.call('ZCOUNT', akey, excl(at - S), num(at))
    local a24 = redis.call('ZCOUNT', akey, excl(lo), num(at))
    local cid, acp, ccp, cau, first = '', 0, 0, 0, 0
    if nk > 0 then
      -- The earliest live cluster any key points to; a key is live while
      -- the last post that carried it is in the window. Keys are fields of
      -- one hash per generation (G ms of the watermark): the newest
      -- generation that has a key holds the last post that carried it.
      local fields = {}
      for k = k0, k0 + nk - 1 do fields[#fields + 1] = ARGV[k] end
      local vals, missing = {}, nk
      for g = math.floor(wm / G), math.floor(lo / G), -1 do
        local got = redis.call('HMGET', P .. 'k:' .. num(g), unpack(fields))
        for j = 1, nk do
          if not vals[j] and got[j] then
            vals[j] = got[j]
            missing = missing - 1
          end
        end
        if missing == 0 then break end
      end
      -- A cluster is a candidate when M band keys point to it, or the
      -- exact key (field 1) does.
      local votes, order = {}, {}
      for j = 1, nk do
        local v = vals[j]
        if v then
          local c, last = string.match(v, '^(%S+) (%S+)$')
          if tonumber(last) > lo then
            if not votes[c] then
              votes[c] = 0
              order[#order + 1] = {c, tonumber(last)}
            end
            if j == 1 then votes[c] = votes[c] + M else votes[c] = votes[c] + 1 end
          end
        end
      end
      local best, bestFirst, founder
      for _, cl in ipairs(order) do
        local c, last = cl[1], cl[2]
        if votes[c] >= M then
          local f = redis.call('GET', P .. 'm:' .. c)
          local single = not f
          if f then f = tonumber(f) else f = last end
          if not best or f < bestFirst or (f == bestFirst and c < best) then
            best, bestFirst, founder = c, f, single
          end
        end
      end
      local mkey
      if best then
        cid = best
        mkey = P .. 'm:' .. cid
        if founder then
          -- A second post joins a cluster of one: make the cluster's keys,
          -- starting with its founder, whose record is named by cid.
          local frec = redis.call('GET', P .. 'p:' .. cid)
          local fat, fauthor = bestFirst, nil
          if frec then
            local a, au = string.match(frec, '^%S+ %S+ %S+ %S+ %S+ %S+ (%S+) %S+ (.*)$')
            fat, fauthor = tonumber(a), au
          end
          redis.call('SET', mkey, num(fat), 'PX', TTL)
          if fauthor then
            add(P .. 'c:' .. cid, fat, cid, cut)
            add(P .. 'u:' .. cid, fat, fauthor, cut)
            add(P .. 'ac:' .. cid .. ':' .. fauthor, fat, cid, cut)
          end
        end
      else
        cid = h -- a new cluster, named after this post
        mkey = P .. 'm:' .. cid
      end
      local m = redis.call('GET', mkey)
      if not m then
        acp, ccp, cau, first = 1, 1, 1, at
      else
        first = math.min(tonumber(m), at)
        redis.call('SET', mkey, num(first), 'PX', TTL)
        local ckey, ukey, ackey = P .. 'c:' .. cid, P .. 'u:' .. cid, P .. 'ac:' .. cid .. ':' .. author
        add(ckey, at, h, cut)
        add(ukey, at, author, cut, 'GT')
        add(ackey, at, h, cut)
        ccp = redis.call('ZCOUNT', ckey, excl(lo), num(at))
        acp = redis.call('ZCOUNT', ackey, excl(lo), num(at))
        -- Distinct authors of (lo, at]: those whose last post is in it, and
        -- those whose last post is later (a late post) but who have one in it.
        cau = redis.call('ZCOUNT', ukey, excl(lo), num(at))
        local later = redis.call('ZRANGEBYSCORE', ukey, excl(at), '+inf')
        for _, a in ipairs(later) do
          if redis.call('ZCOUNT', P .. 'ac:' .. cid .. ':' .. a, excl(lo), num(at)) > 0 then
            cau = cau + 1
          end
        end
      end
      -- A key live for another cluster stays with it: a post that shares
      -- one band with a cluster must not take the band away from it.
      local v = cid .. ' ' .. num(at)
      local hset = {}
      for j = 1, nk do
        local keep = false
        local old = vals[j]
        if old then
          local c, last = string.match(old, '^(%S+) (%S+)$')
          keep = c ~= cid and tonumber(last) > lo
        end
        if not keep then
          hset[#hset + 1] = fields[j]
          hset[#hset + 1] = v
        end
      end
      if #hset > 0 then
        local gkey = P .. 'k:' .. num(math.floor(wm / G))
        redis.call('HSET', gkey, unpack(hset))
        redis.call('PEXPIRE', gkey, TTL)
      end
    end
    local c = cid
    if c == '' then c = '-' end
    redis.call('SET', pkey, table.concat({a1, a24, acp, ccp, cau, num(first), num(at), c, author}, ' '), 'PX', TTL)
    local row = {0, a1, a24, acp, cid, ccp, cau, first}
    for _, v in ipairs(row) do out[#out + 1] = v end
  end
end
if wm then redis.call('SET', wmkey, num(wm), 'PX', TTL) end
return out
