package store

import (
	"context"
	"encoding/binary"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// textColumn and int8Column are a column of an import's INSERT (one value
// per customer), sent as a PostgreSQL text[] or bigint[] in the binary
// form written here at once. pgx's own encoder takes each element of a
// slice as an interface value, planned and boxed one by one: at commits of
// 10,000 that was a tenth of the client's time, for as many small objects
// to collect as there are cells.
type (
	textColumn []string
	int8Column []int64
)

// registerColumns makes conn's text[] and bigint[] codecs encode
// textColumn and int8Column themselves, and everything else as before.
func registerColumns(_ context.Context, conn *pgx.Conn) error {
	m := conn.TypeMap()
	for _, oid := range []uint32{pgtype.TextArrayOID, pgtype.Int8ArrayOID} {
		t, ok := m.TypeForOID(oid)
		if !ok {
			continue // not in this pgx: its own codec stays
		}
		m.RegisterType(&pgtype.Type{Name: t.Name, OID: t.OID, Codec: columnCodec{t.Codec}})
	}
	return nil
}

// columnCodec is an array codec with a plan of its own for the columns.
type columnCodec struct{ pgtype.Codec }

func (c columnCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if format == pgtype.BinaryFormatCode {
		switch value.(type) {
		case textColumn:
			if oid == pgtype.TextArrayOID {
				return columnPlan{}
			}
		case int8Column:
			if oid == pgtype.Int8ArrayOID {
				return columnPlan{}
			}
		}
	}
	return c.Codec.PlanEncode(m, oid, format, value)
}

// columnPlan writes a one-dimensional array without NULLs, as PostgreSQL's
// array_recv reads it: the number of dimensions, a flag for NULLs, the
// elements' type, each dimension's length and lower bound, then each
// element's length and bytes.
type columnPlan struct{}

func (columnPlan) Encode(value any, buf []byte) ([]byte, error) {
	header := func(elem uint32, n int) {
		buf = binary.BigEndian.AppendUint32(buf, 1)
		buf = binary.BigEndian.AppendUint32(buf, 0)
		buf = binary.BigEndian.AppendUint32(buf, elem)
		buf = binary.BigEndian.AppendUint32(buf, uint32(n))
		buf = binary.BigEndian.AppendUint32(buf, 1)
	}
	switch col := value.(type) {
	case textColumn:
		size := 20
		for _, s := range col {
			size += 4 + len(s)
		}
		buf = slices.Grow(buf, size)
		header(pgtype.TextOID, len(col))
		for _, s := range col {
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
			buf = append(buf, s...)
		}
	case int8Column:
		buf = slices.Grow(buf, 20+12*len(col))
		header(pgtype.Int8OID, len(col))
		for _, v := range col {
			buf = binary.BigEndian.AppendUint32(buf, 8)
			buf = binary.BigEndian.AppendUint64(buf, uint64(v))
		}
	}
	return buf, nil
}
