package post

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/circleguard/circleguard/internal/testenv"
)

// checkSame fails unless Decode and decodeSlow agree on data: the same Post
// or the same *DecodeError. It also overwrites Decode's input afterwards:
// the Post must not share memory with it.
func checkSame(t *testing.T, data []byte, maxBytes int) {
	t.Helper()
	want, wantErr := decodeSlow(data, maxBytes)
	in := bytes.Clone(data)
	got, err := Decode(in, maxBytes)
	for i := range in {
		in[i] = 'X'
	}
	if !reflect.DeepEqual(err, wantErr) {
		t.Fatalf("Decode(%q):\nerror %#v\nwant  %#v", data, err, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode(%q):\ngot  %#v\nwant %#v", data, got, want)
	}
}

const base = `{"id":"p1","author_id":"a1","text":"早安","created_at":"2026-11-01T08:00:00Z"`

// sameCases are inputs where a hand-written decoder could part from
// encoding/json: syntax, escapes, key matching, types, nulls, duplicates.
var sameCases = []string{
	base + `}`,
	base + `,"lang":"zh","links":["https://a.example/x?y=1","b"],"media":[{"type":"image","sha256":"ab"},{"type":"video"},{}],"author":{"account_created_at":"2020-01-01T00:00:00+08:00","friends":12}}`,
	// White space: JSON's four inside, Unicode and \v\f only around (TrimSpace).
	" \t\r\n{ \"id\" : \"p1\" ,\n\"author_id\":\"a1\"\t,\"text\"\r:\"x\",\"created_at\":\"2026-11-01T08:00:00Z\" } \n",
	"\u00a0\v\f" + base + "}\u2029\u0085",
	"\ufeff" + base + "}",
	base + "\v}",
	base + ",\"x\":[1,\f2]}",
	// Escapes in values and keys.
	`{"id":"p\u0031","author_id":"a\/1","text":"\"\\\/\b\f\n\r\t\u00e9\u4e2d\uD83D\uDE00\uD83D\uD83D\uDE00\uDE00\uD800x\uDBFF\uDFFF\u0000","created_at":"2026-11-01T08:00:00\u005a"}`,
	`{"id":"p1","author_id":"a1","text":"\uD800\u","created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"p1","author_id":"a1","text":"\uD800\n\uDC00\uD800\\uDC00","created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"p1","author_id":"a1","text":"\'","created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"p1","author_id":"a1","text":"\x41","created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"p1","author_id":"a1","text":"\uZZZZ","created_at":"2026-11-01T08:00:00Z"}`,
	"{\"id\":\"p1\",\"author_id\":\"a1\",\"text\":\"tab\there\",\"created_at\":\"2026-11-01T08:00:00Z\"}",
	"{\"id\":\"p1\",\"author_id\":\"a1\",\"text\":\"del\x7f\",\"created_at\":\"2026-11-01T08:00:00Z\"}",
	`{"\u0069d":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`,
	// Key matching: letter case, Unicode folding, near misses.
	`{"ID":"p1","Author_ID":"a1","TEXT":"x","Created_At":"2026-11-01T08:00:00Z","LANG":"en","LINKS":["l"],"Media":[{"TYPE":"gif","SHA256":"ff"}],"AUTHOR":{"FRIENDS":1,"Account_Created_At":"2020-01-01T00:00:00Z"}}`,
	base + `,"linKſ":["a"]}`,
	base + `,"lin\u212as":["a"]}`,
	base + `,"author":{"friendſ":5}}`,
	`{"İd":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`,
	base + `,"id ":"p2","_id":"p3","i":"","":1}`,
	base + `,"作者":"x"}`,
	// Nulls.
	`{"id":null,"author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"p1","author_id":"a1","text":null,"created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"p1","author_id":"a1","text":"x","created_at":null}`,
	base + `,"lang":null,"links":null,"media":null,"author":null}`,
	base + `,"author":{"account_created_at":null,"friends":null}}`,
	base + `,"links":[null,"a"]}`,
	base + `,"media":[null,{"type":null,"sha256":null}]}`,
	// Empty containers.
	base + `,"links":[],"media":[],"author":{}}`,
	base + `,"links":[ ],"media":[ { } ],"author":{ }}`,
	`{}`, `{ }`, `{"id":"p1"}`,
	// Types.
	base + `,"lang":5}`,
	base + `,"lang":["zh"]}`,
	base + `,"links":"a"}`,
	base + `,"links":{"a":1}}`,
	base + `,"links":["a",{"b":1}]}`,
	base + `,"media":{"type":"x"}}`,
	base + `,"media":["x"]}`,
	base + `,"media":[{"type":1}]}`,
	base + `,"author":[]}`,
	base + `,"author":"x"}`,
	base + `,"author":{"friends":"12"}}`,
	base + `,"author":{"friends":true}}`,
	base + `,"author":{"account_created_at":12}}`,
	`{"id":true,"author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"p1","author_id":["a1"],"text":"x","created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"p1","author_id":"a1","text":1.5,"created_at":"2026-11-01T08:00:00Z","text":"y"}`,
	// Numbers.
	base + `,"author":{"friends":-0}}`,
	base + `,"author":{"friends":0}}`,
	base + `,"author":{"friends":9223372036854775807}}`,
	base + `,"author":{"friends":-9223372036854775808}}`,
	base + `,"author":{"friends":9223372036854775808}}`,
	base + `,"author":{"friends":1.0}}`,
	base + `,"author":{"friends":1e2}}`,
	base + `,"author":{"friends":01}}`,
	base + `,"author":{"friends":-}}`,
	base + `,"author":{"friends":+1}}`,
	base + `,"x":[0,-0,1.5,-1.5e+10,2E-3,0e0,1e400,123456789012345678901234567890]}`,
	base + `,"x":01}`, base + `,"x":1.}`, base + `,"x":.5}`, base + `,"x":1e}`, base + `,"x":1e+}`,
	base + `,"x":-01}`, base + `,"x":0x10}`, base + `,"x":1_000}`, base + `,"x":NaN}`, base + `,"x":Infinity}`,
	// Literals.
	base + `,"x":true,"y":false,"z":null}`,
	base + `,"x":tru}`, base + `,"x":nul}`, base + `,"x":nulll}`, base + `,"x":truex}`, base + `,"x":True}`,
	base + `,"lang":nul}`, base + `,"lang":nullx}`, base + `,"author":null5}`,
	// Structure.
	base + `,}`, base + `,,"x":1}`, base + `"x":1}`, base + `,"x" 1}`, base + `,"x"::1}`,
	base + `}}`, base + `} {}`, base + `}x`, base + `}` + "\x00", base,
	base + `,"x":[1,]}`, base + `,"x":[,1]}`, base + `,"x":{"a":1,}}`, base + `,"x":{"a"}}`, base + `,"x":{1:2}}`,
	base + `,"x":[1 2]}`, base + `,"x":{"a":1 "b":2}}`, base + `,"x":]}`, base + `,"x":}`,
	base + `,'x':1}`, base + `,x:1}`,
	// Duplicates: top level in any case, escaped, nested, unknown.
	base + `,"text":"spam"}`,
	base + `,"Text":"spam"}`,
	base + `,"te\u0078t":"spam"}`,
	base + `,"lang":"zh","LANG":null}`,
	base + `,"author":null,"author":{}}`,
	base + `,"author":{"friends":1,"friends":2}}`,
	base + `,"author":{"friends":1,"Friends":"x"}}`,
	base + `,"media":[{"type":"a","TYPE":"b"}]}`,
	base + `,"likes":1,"likes":2}`,
	base + `,"x":{"id":"p2","text":"y"}}`,
	// Field values.
	`{"id":"","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"` + strings.Repeat("x", MaxIDBytes) + `","author_id":"` + strings.Repeat("é", MaxIDBytes/2) + `","text":"x","created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"` + strings.Repeat("x", MaxIDBytes+1) + `","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"` + strings.Repeat(`\u0078`, MaxIDBytes) + `","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"p1","author_id":"` + strings.Repeat("\\n", MaxIDBytes+1) + `","text":"x","created_at":"2026-11-01T08:00:00Z"}`,
	`{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00.123456789+08:00"}`,
	`{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01t08:00:00z"}`,
	`{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T24:00:00Z"}`,
	`{"id":"p1","author_id":"a1","text":"x","created_at":"2026-02-30T08:00:00Z"}`,
	`{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00+24:00"}`,
	`{"id":"p1","author_id":"a1","text":"x","created_at":"0000-01-01T00:00:00Z"}`,
	`{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00,5Z"}`,
	`{"id":"p1","author_id":"a1","text":"x","created_at":"2026-11-01T08:00:00Z "}`,
	`{"id":"p1","author_id":"a1","text":"x","created_at":""}`,
	base + `,"author":{"account_created_at":"yesterday"}}`,
	base + `,"lang":"zh-Hant","media":[{"type":"audio","sha256":"00","extra":{"deep":[[{}]]}}]}`,
	// Not objects, not UTF-8, too large.
	``, ` `, `null`, `[]`, `"x"`, `1`, `{`, `{"`, `{"id`, `{"id"`, `{"id":`, `{"id":"`,
	"{\"id\":\"p1\",\"author_id\":\"a1\",\"text\":\"\xff\",\"created_at\":\"2026-11-01T08:00:00Z\"}",
	"\xef\xbb\xbf" + base + "}",
	base + `,"pad":"` + strings.Repeat("x", 4096) + `"}`,
}

func nested(depth int) string {
	return base + `,"x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
}

// readPosts returns testdata/posts.jsonl: posts from circleguard gen.
func readPosts(tb testing.TB) [][]byte {
	f, err := os.Open("testdata/posts.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var posts [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		posts = append(posts, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return posts
}

func TestDecodeSame(t *testing.T) {
	cases := append([]string{}, sameCases...)
	for _, depth := range []int{maxFastDepth - 2, maxFastDepth - 1, maxFastDepth, maxFastDepth + 1, 10000, 10001} {
		cases = append(cases, nested(depth))
	}
	for _, c := range cases {
		checkSame(t, []byte(c), 4096)
		checkSame(t, []byte(c), 0)
	}
	for _, p := range readPosts(t) {
		checkSame(t, p, 0)
	}
}

// TestDecodeSameMutations checks every truncation of a few posts, and every
// post with one byte deleted or replaced by a byte that matters to JSON.
func TestDecodeSameMutations(t *testing.T) {
	seeds := []string{sameCases[1], sameCases[7], sameCases[16]}
	replacements := []byte(`"\{}[],:0-.eE+ nt/u` + "\x00\t\xc3")
	for _, s := range seeds {
		for i := range len(s) + 1 {
			checkSame(t, []byte(s[:i]), 0)
		}
		for i := range len(s) {
			checkSame(t, []byte(s[:i]+s[i+1:]), 0)
			for _, c := range replacements {
				checkSame(t, []byte(s[:i]+string(c)+s[i+1:]), 0)
			}
		}
	}
}

// TestDecodeFastTakesOrdinaryPosts checks that the fast path, not the
// fallback, decodes posts as producers write them.
func TestDecodeFastTakesOrdinaryPosts(t *testing.T) {
	posts := readPosts(t)
	for _, c := range []string{sameCases[0], sameCases[1], sameCases[7], sameCases[16]} {
		posts = append(posts, []byte(c))
	}
	for _, p := range posts {
		if _, ok := decodeFast(bytes.TrimSpace(p)); !ok {
			t.Errorf("decodeFast refused %s", p)
		}
	}
}

// FuzzDecodeSame checks that Decode and decodeSlow agree on every input.
func FuzzDecodeSame(f *testing.F) {
	for _, c := range sameCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(nested(maxFastDepth)))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSame(t, data, 4096)
	})
}

// benchPosts are realistic posts: Chinese text with emoji, links, media and
// the author object; the same in English; and with every non-ASCII
// character escaped, as producers with ASCII-only JSON encoders write.
var benchPosts = []struct{ name, msg string }{
	{"zh", `{"id":"p000123","author_id":"a0042","text":"今日上新🔥 正品面膜 ¥99 包邮，加薇信 V❤ abc123 咨询","created_at":"2026-11-01T08:00:00.123Z","lang":"zh","links":["https://shop.example.com/x"]}`},
	{"zh_full", `{"id":"p000000211","author_id":"a33101","text":"姐妹们！这款精华真的绝了😍😍 用了一周皮肤透亮，专柜价¥680，今天团购只要¥199🔥🔥 名额有限，戳链接 https://shop.example.cn/item?id=88231 或加V：meimei_2026 备注【团购】","created_at":"2026-11-01T08:00:41.096468176+08:00","lang":"zh","links":["https://shop.example.cn/item?id=88231","https://t.cn/A6x9kZ"],"media":[{"type":"image","sha256":"da601bebde172e5e93157a7b0f0f4d3515b262fdef9b2cfede8d0464000aba58"}],"author":{"account_created_at":"2026-09-12T11:31:48Z","friends":7}}`},
	{"en", `{"id":"p000000002","author_id":"a14235","text":"Ran 3k this morning, legs complained the whole way. New PB though! https://strava.example.com/a/123","created_at":"2026-11-01T08:00:00.327785195Z","lang":"en","links":["https://strava.example.com/a/123"],"author":{"account_created_at":"2019-03-02T10:00:00Z","friends":311}}`},
	{"zh_escaped", `{"id":"p000123","author_id":"a0042","text":"\u4eca\u65e5\u4e0a\u65b0\ud83d\udd25 \u6b63\u54c1\u9762\u819c \u00a599 \u5305\u90ae\uff0c\u52a0\u8587\u4fe1 V\u2764 abc123 \u54a8\u8be2\n","created_at":"2026-11-01T08:00:00.123Z","lang":"zh","links":["https:\/\/shop.example.com\/x"],"author":{"account_created_at":"2024-01-23T20:38:24Z","friends":1467}}`},
}

// BenchmarkDecode decodes realistic posts; the "reference" cases are
// decodeSlow, Decode as it was before the hand-written scanner.
func BenchmarkDecode(b *testing.B) {
	for _, bp := range benchPosts {
		msg := []byte(bp.msg)
		for _, impl := range []struct {
			name   string
			decode func([]byte, int) (Post, error)
		}{{"fast", Decode}, {"reference", decodeSlow}} {
			b.Run(bp.name+"/"+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(msg)))
				cpu := testenv.CPUTime()
				for b.Loop() {
					if _, err := impl.decode(msg, 0); err != nil {
						b.Fatal(err)
					}
				}
				testenv.CPUPerOp(b, cpu, b.N, "op")
			})
		}
	}
}

func TestHasSpecial(t *testing.T) {
	for _, fill := range []byte{'a', 0x20, 0x21, 0x7f, 0x80, 0xe4, 0xff, '#', '[', ']'} {
		for pos := range 8 {
			for c := range 256 {
				var w [8]byte
				for i := range w {
					w[i] = fill
				}
				w[pos] = byte(c)
				want := special[c] || special[fill]
				if got := hasSpecial(binary.LittleEndian.Uint64(w[:])); got != want {
					t.Fatalf("hasSpecial(%q) = %v, want %v", w, got, want)
				}
			}
		}
	}
}

func TestTopField(t *testing.T) {
	for f, name := range fields {
		for _, k := range []string{name, strings.ToUpper(name), strings.ToUpper(name[:1]) + name[1:]} {
			if got := topField([]byte(k)); got != f {
				t.Errorf("topField(%q) = %d, want %d", k, got, f)
			}
		}
		if got := topField([]byte(name[:len(name)-1] + "_")); got != -1 {
			t.Errorf("topField(%q) = %d, want -1", name[:len(name)-1]+"_", got)
		}
	}
	for _, k := range []string{"", "i", "idx", "texts", "lamg", "_d", "author-id", "createdAt", "LINKſ"} {
		if got := topField([]byte(k)); got != -1 {
			t.Errorf("topField(%q) = %d, want -1", k, got)
		}
	}
}
