-- Counts a chunk of observations atomically, in the key layout v2 that
-- redis_layout.go describes; doc.go gives the rules, which the Memory store
-- follows too.
--
-- The chunk's reads come first and in bulk: the posts' records (replays) and
-- the chunk's distinct band and exact keys, in one HMGET per generation.
-- The posts are then counted in order; the keys they write are kept in Lua,
-- so that a later post of the chunk sees them, and written once at the end
-- with the expiry of every sorted set the chunk wrote. Lua strings stay short:
-- this Lua hashes every byte of a string it makes, so what grows with the
-- traffic lives in sorted sets.
--
-- ARGV: prefix (KeyPrefix .. 'v2:'), window, lateness, short window, key TTL,
-- generation (all ms), min shared bands, n, the posts' keys (for each post
-- in order, k 4-byte big-endian numbers, each key's place among the
-- distinct keys that follow, from 1; the exact key first); then 12 values
-- per post: post hash (8 bytes, big-endian), event time t (ms), author, k
-- (its key count), t − window + 1, t + 2^50, t − window + 1 + 2^50,
-- t + 2^51, t − short window + 1, and for the cluster's author copies the
-- member N(author) .. T(t) .. post hash and the bounds
-- '[' .. N(author) .. T(t − window + 1) and '(' .. N(author) .. T(t + 1),
-- where N(a) is the length of a in 4 bytes then a, and T(x) is x + 2^48 in
-- 8 bytes, both big-endian; then the chunk's distinct keys, 8 bytes each.
-- Returns 8 values per post: replay (0/1), author posts in the short window
-- and in the window, author copies, cluster (8 bytes; "" when trivial),
-- cluster copies, cluster authors, cluster first seen (ms).
local call, unpack = redis.call, unpack
local sub, byte, floor, fmt = string.sub, string.byte, math.floor, string.format
local pack, unpk = struct.pack, struct.unpack
local A = ARGV
local P = A[1]
local W, L, S = tonumber(A[2]), tonumber(A[3]), tonumber(A[4])
local TTL, G, M, n = A[5], tonumber(A[6]), tonumber(A[7]), tonumber(A[8])
local IX = A[9]
local F = 12 -- values per post
local B0 = 9 -- the ARGV index before the first post's values
local K0 = B0 + F * n -- the ARGV index before the first key
local nf = #A - K0 -- distinct keys
-- PIECE bounds the values one command takes from the Lua stack (8000).
local PIECE = 7000
-- A post record: its event time, counts, first seen, cluster, then the author.
local REC = '>i8I4I4I4I4I4i8c8'
local RECLEN = 44
local NOCID = '\0\0\0\0\0\0\0\0'
-- A key's value is its cluster and the event time of its last post in six
-- bytes: times beyond ±2^47 ms (the year 6429) are clamped, and such keys
-- are never live.
local TMIN, TMAX = -140737488355328, 140737488355327
-- A cluster's sorted set (c:) holds three bands of scores, each ±2^48 wide:
-- its posts (member: post hash) at their event times, its authors ('a' ..
-- author) at their latest post's time + 2^50, and its first-seen and newest
-- times (members 'f' and 'l') + 2^51. Its author copies (ac:) are members
-- N(author) .. T(t) .. post hash of one score, in lexical order.
local OFF, OFF2, BAND = 1125899906842624, 2251799813685248, 281474976710656
local AUTHLO, AUTHHI = fmt('%d', OFF - BAND), fmt('%d', OFF + BAND)

-- many runs cmd on head (if any), then list[from..to], in pieces of PIECE
-- values (even, for HSET's pairs), and returns the replies' values in one
-- table (a read) or the last reply (a write).
local function many(cmd, head, list, from, to)
  if to - from < PIECE then
    if head then return call(cmd, head, unpack(list, from, to)) end
    return call(cmd, unpack(list, from, to))
  end
  local out, k = {}, 0
  for s = from, to, PIECE do
    local e = s + PIECE - 1
    if e > to then e = to end
    local got
    if head then got = call(cmd, head, unpack(list, s, e)) else got = call(cmd, unpack(list, s, e)) end
    if type(got) ~= 'table' then
      out = got
    else
      for j = 1, e - s + 1 do out[k + j] = got[j] end
      k = k + e - s + 1
    end
  end
  return out
end

-- less orders cluster ids (8 bytes) as numbers, whatever the locale.
local function less(a, b)
  for k = 1, 8 do
    local x, y = byte(a, k), byte(b, k)
    if x ~= y then return x < y end
  end
  return false
end

-- N and T are an author and a time as the author copies order them.
local function N(a) return pack('>I4', #a) .. a end
local function T(x) return pack('>I8', x + BAND) end

-- Records of the posts, for replays.
local rk = {}
for i = 1, n do rk[i] = P .. 'p:' .. A[B0 + F * (i - 1) + 1] end
local recs = many('MGET', nil, rk, 1, n)

local wmkey = P .. 'wm'
local wm = call('GET', wmkey)
if wm then wm = tonumber(wm) else wm = nil end

-- The posts to count: neither counted before nor earlier in the chunk.
local firsti = {} -- post hash -> index of its first post in the chunk
local fresh = {}
local minat
for i = 1, n do
  local b = B0 + F * (i - 1)
  local h = A[b + 1]
  if not recs[i] and not firsti[h] then
    firsti[h] = i
    fresh[i] = true
    local at = tonumber(A[b + 2])
    if A[b + 4] ~= '0' and (not minat or at < minat) then minat = at end
  end
end

-- The stored value of every key: the newest generation that has it holds
-- the last post that carried it. Generations older than the retention hold
-- no key a post within Lateness could use, and are not read.
local vals = {}
if wm and minat and nf > 0 then
  local lowest = floor((minat - W) / G)
  local keep = floor((wm - W - L) / G)
  if keep > lowest then lowest = keep end
  local miss, nm
  for g = floor(wm / G), lowest, -1 do
    local hk = P .. 'k:' .. g
    if call('EXISTS', hk) == 0 then
      -- nothing to find there
    elseif not miss then
      vals = many('HMGET', hk, A, K0 + 1, K0 + nf)
      miss, nm = {}, 0
      for j = 1, nf do
        if not vals[j] then nm = nm + 1; miss[nm] = j end
      end
    else
      local fl = {}
      for t = 1, nm do fl[t] = A[K0 + miss[t]] end
      local got = many('HMGET', hk, fl, 1, nm)
      local m2, n2 = {}, 0
      for t = 1, nm do
        local v = got[t]
        if v then vals[miss[t]] = v else n2 = n2 + 1; m2[n2] = miss[t] end
      end
      miss, nm = m2, n2
    end
    if nm == 0 then break end
  end
end

-- Each distinct key's live state as the chunk goes, read from vals on first
-- use: the cluster it points to (false: none) and the time of its last
-- post; kv: the value written.
local KC, KT, kv = {}, {}, {}
local pc, pt = {}, {} -- values parsed
-- KF[k] unpacks k key places.
local KF = setmetatable({}, {__index = function(t, k)
  local f = '>' .. string.rep('I4', k)
  t[k] = f
  return f
end})

-- Clusters of two or more posts: first seen and newest event time (false:
-- a cluster of one, or none), the keys of their sets.
local mf, ml, ckn, akn = {}, {}, {}, {}
-- Sorted sets written, to expire at the end.
local exp, expl, ne = {}, {}, 0
local kc, kt = {}, {} -- a post's keys: the live cluster each points to, its time
local cc, cv, cl = {}, {}, {} -- a post's candidates: cluster, votes, time
local out = {}

local function touch(k)
  if not exp[k] then
    exp[k] = true
    ne = ne + 1
    expl[ne] = k
  end
end

-- meta loads the first-seen and newest times of cluster c once per chunk.
local function meta(c)
  local f = mf[c]
  if f == nil then
    local k = P .. 'c:' .. c
    ckn[c], akn[c] = k, P .. 'ac:' .. c
    local got = call('ZMSCORE', k, 'f', 'l')
    if got[1] then
      f, ml[c] = tonumber(got[1]) - OFF2, tonumber(got[2]) - OFF2
    else
      f = false
    end
    mf[c] = f
  end
  return f
end

local cut
local ipos = 1
local ix = {}
local aexp = {} -- author -> its sorted set's key, made once per chunk
for i = 1, n do
  local b = B0 + F * (i - 1)
  local h, ats, author, nk = A[b + 1], A[b + 2], A[b + 3], tonumber(A[b + 4])
  local ixp = ipos -- this post's key places in IX
  ipos = ipos + 4 * nk
  local o = 8 * (i - 1)
  local rec = recs[i]
  if rec then
    local _, a1, a24, acp, ccp, cau, first, cid = unpk(REC, rec)
    if cid == NOCID then cid = '' end
    out[o + 1], out[o + 2], out[o + 3], out[o + 4] = 1, a1, a24, acp
    out[o + 5], out[o + 6], out[o + 7], out[o + 8] = cid, ccp, cau, first
  elseif not fresh[i] then
    local f = 8 * (firsti[h] - 1)
    out[o + 1] = 1
    for k = 2, 8 do out[o + k] = out[f + k] end
  else
    local at = tonumber(ats)
    if not wm or at > wm then wm = at end
    cut = wm - W - L
    local lo = at - W
    -- A post older than the retention counts against what remains: itself.
    local old = at < cut
    local lo1, lo1s, olo1s = lo + 1, A[b + 5], A[b + 7]
    if lo1 < cut then lo1, lo1s, olo1s = cut, fmt('%d', cut), fmt('%d', cut + OFF) end
    -- One post in eight drops the members older than the retention from
    -- the sorted sets it writes; counts never include them anyway.
    local trim = byte(h, 8) % 8 == 0

    local akey = aexp[author]
    if not akey then
      akey = P .. 'a:' .. author
      aexp[author] = akey
      touch(akey)
    end
    if trim then call('ZREMRANGEBYSCORE', akey, '-inf', cut - 1) end
    call('ZADD', akey, ats, h)
    local a1, a24 = 1, 1
    if not old then
      a24 = call('ZCOUNT', akey, lo1s, ats)
      if a24 > 1 then
        local s1s = A[b + 9]
        if at - S + 1 < cut then s1s = lo1s end
        a1 = call('ZCOUNT', akey, s1s, ats)
      end
    end

    local cid, acp, ccp, cau, first = '', 0, 0, 0, 0
    if nk > 0 then
      -- The live clusters the keys point to; a key is live while the last
      -- post that carried it is in the window. A cluster is a candidate
      -- when M band keys point to it, or the exact key (the first) does.
      local nc = 0
      ix = {unpk(KF[nk], IX, ixp)}
      for j = 1, nk do
        local u = ix[j]
        local c, t = KC[u], KT[u]
        if c == nil then
          local v = vals[u]
          if v then
            c = pc[v]
            if c then
              t = pt[v]
            else
              c, t = sub(v, 1, 8), unpk('>i6', v, 9)
              pc[v], pt[v] = c, t
            end
          else
            c = false
          end
          KC[u], KT[u] = c, t
        end
        if c and t > lo then
          kc[j], kt[j] = c, t
          local w = 1
          if j == 1 then w = M end
          local x = 0
          for y = 1, nc do
            if cc[y] == c then x = y; break end
          end
          if x == 0 then
            nc = nc + 1
            cc[nc], cv[nc], cl[nc] = c, w, t
          else
            cv[x] = cv[x] + w
          end
        else
          kc[j] = false
        end
      end
      -- Join the candidate with the earliest first-seen time, ties to the
      -- smaller id; a cluster of one has no sorted set, its first-seen time
      -- is its founder's, the time its keys hold.
      local best, bestFirst, single
      for y = 1, nc do
        if cv[y] >= M then
          local c = cc[y]
          local f = meta(c)
          local one = not f
          if one then f = cl[y] end
          if not best or f < bestFirst or (f == bestFirst and less(c, best)) then
            best, bestFirst, single = c, f, one
          end
        end
      end
      if best then
        cid = best
        if single then
          -- A second post joins a cluster of one: make the cluster's sets,
          -- starting with its founder, whose record is named by cid.
          local frec = call('GET', P .. 'p:' .. cid)
          local fat = bestFirst
          if frec then
            fat = unpk('>i8', frec)
            local fa = sub(frec, RECLEN + 1)
            call('ZADD', ckn[cid], fat, cid, fat + OFF, 'a' .. fa, fat + OFF2, 'f', fat + OFF2, 'l')
            call('ZADD', akn[cid], 0, N(fa) .. T(fat) .. cid)
          else
            call('ZADD', ckn[cid], fat + OFF2, 'f', fat + OFF2, 'l')
          end
          mf[cid], ml[cid] = fat, fat
        end
      else
        cid = h -- a new cluster, named after this post
      end
      local f = mf[cid]
      if not f then
        acp, ccp, cau, first = 1, 1, 1, at
      else
        first = f
        local ck, ak, latest = ckn[cid], akn[cid], ml[cid]
        if at < f then
          first = at
          mf[cid] = at
          call('ZADD', ck, at + OFF2, 'f')
        end
        if at > latest then ml[cid] = at end
        touch(ck)
        touch(ak)
        if trim then
          call('ZREMRANGEBYSCORE', ck, '-inf', cut - 1)
          local stale = call('ZRANGEBYSCORE', ck, AUTHLO, cut - 1 + OFF)
          if #stale > 0 then
            for _, a in ipairs(stale) do
              local x = N(sub(a, 2))
              call('ZREMRANGEBYLEX', ak, '[' .. x, '(' .. x .. '\255')
            end
            call('ZREMRANGEBYSCORE', ck, AUTHLO, cut - 1 + OFF)
          end
          local x = N(author)
          call('ZREMRANGEBYLEX', ak, '[' .. x, '(' .. x .. T(cut))
        end
        call('ZADD', ck, 'GT', ats, h, A[b + 6], 'a' .. author, A[b + 8], 'l')
        call('ZADD', ak, 0, A[b + 10])
        if old then
          acp, ccp, cau = 1, 1, 1
        else
          local amin = A[b + 11]
          if lo + 1 < cut then amin = '[' .. N(author) .. T(cut) end
          ccp = call('ZCOUNT', ck, lo1s, ats)
          acp = 1 -- when the author has no other post in the window
          if a24 > 1 then acp = call('ZLEXCOUNT', ak, amin, A[b + 12]) end
          -- Distinct authors of (lo, at]: those whose last post is in it,
          -- and those whose last post is later (this is a late post) but
          -- who have one in it.
          cau = call('ZCOUNT', ck, olo1s, A[b + 6])
          if at < latest then
            local later = call('ZRANGEBYSCORE', ck, '(' .. A[b + 6], AUTHHI)
            local tlo, thi = T(lo1), T(at + 1)
            for _, a in ipairs(later) do
              local x = N(sub(a, 2))
              if call('ZLEXCOUNT', ak, '[' .. x .. tlo, '(' .. x .. thi) > 0 then
                cau = cau + 1
              end
            end
          end
        end
      end
      -- A key live for another cluster stays with it: a post that shares
      -- one band with a cluster must not take the band away from it.
      local t6 = at
      if t6 > TMAX or t6 < TMIN then t6 = TMIN end
      local v = cid .. pack('>i6', t6)
      for j = 1, nk do
        local c = kc[j]
        if not c or c == cid then
          local u = ix[j]
          KC[u], KT[u], kv[u] = cid, t6, v
        end
      end
    end
    local rc = cid
    if rc == '' then rc = NOCID end
    call('SET', rk[i], pack(REC, at, a1, a24, acp, ccp, cau, first, rc) .. author, 'PX', TTL)
    out[o + 1], out[o + 2], out[o + 3], out[o + 4] = 0, a1, a24, acp
    out[o + 5], out[o + 6], out[o + 7], out[o + 8] = cid, ccp, cau, first
  end
end

-- The writes of the chunk. Keys go to the generation of the newest event
-- time seen: a lookup reads it, and it is the newest generation that has
-- them.
do
  local hs, nb = {}, 0
  for u = 1, nf do
    local v = kv[u]
    if v then
      hs[nb + 1], hs[nb + 2] = A[K0 + u], v
      nb = nb + 2
    end
  end
  if nb > 0 then
    local hk = P .. 'k:' .. floor(wm / G)
    many('HSET', hk, hs, 1, nb)
    call('PEXPIRE', hk, TTL)
  end
end
for k = 1, ne do call('PEXPIRE', expl[k], TTL) end
if wm then call('SET', wmkey, wm, 'PX', TTL) end
return out
