package csvin

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// benchFile generates a realistic 10,000-row, 8-column customer file: names with accents,
// emails, phone numbers, some quoted cells holding commas, quotes and line breaks.
func benchFile() []byte {
	first := []string{"Zoë", "José", "Ada", "Grace", "François", "Søren", "Mary-Jane", "Renée"}
	last := []string{"O'Brien", "García", "Lovelace", "Hopper", "Müller", "Ødegaard", "Smith", "Dupont"}
	cities := []string{"Zürich", "São Paulo", "London", "\"Washington, D.C.\"", "Malmö", "Köln"}
	var b bytes.Buffer
	b.WriteString("First Name,Last Name,E-mail Address,Phone,Company,City,Customer Since,Notes\r\n")
	for i := range 10_000 {
		fmt.Fprintf(&b, "%s,%s,%s.%d@example.com,+44 20 7946 %04d,Acme %d Ltd,%s,%02d/%02d/20%02d,",
			first[i%len(first)], last[i%len(last)], first[i%3], i, i%10_000, i%97, cities[i%len(cities)], i%12+1, i%28+1, i%25)
		switch i % 4 {
		case 0:
			b.WriteString("\"Prefers email, not phone\"")
		case 1:
			b.WriteString("\"Said \"\"call me back\"\"\nnext week\"")
		case 2:
			b.WriteString("VIP")
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func benchmarkReader(b *testing.B, data []byte) {
	f := Detect(sample(data), Format{})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), f)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil || rec.Err != nil {
				b.Fatal(err, rec.Err)
			}
			n++
		}
		if n != 10_000 {
			b.Fatalf("%d records", n)
		}
	}
}

// BenchmarkReader reads the UTF-8 file, the common case: no decoding, with a UTF-8 check.
func BenchmarkReader(b *testing.B) {
	benchmarkReader(b, benchFile())
}

// BenchmarkReaderWindows1252 reads the same file in Windows-1252, through the decoder.
func BenchmarkReaderWindows1252(b *testing.B) {
	data, err := charmap.Windows1252.NewEncoder().Bytes(benchFile())
	if err != nil {
		b.Fatal(err)
	}
	if f := Detect(sample(data), Format{}); f.Encoding != Windows1252 {
		b.Fatalf("detected %s", f.Encoding)
	}
	benchmarkReader(b, data)
}
