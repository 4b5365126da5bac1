package phone

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The numbering plans' patterns (regular expressions over the digits of a
// national number, such as `[1-9]\d{9}`) are where the library spends its
// time: it matches each with Go's regexp (compiling it on first use, and
// running its general machine over every pattern), twice per number type,
// up to eleven types a number. Matched here instead as
// deterministic automata over the ten digits, a pattern costs a table walk
// of one step a digit, and a number is read in a few microseconds instead
// of fifty: an import of a million records reads its phone numbers on the
// core beside the database's without slowing it.

// digitDFA is a pattern compiled to a deterministic automaton over the
// digits 0-9 that accepts exactly the strings the pattern matches whole.
type digitDFA struct {
	next   [][10]int32 // state → digit → state; -1 is the dead state
	accept []bool
}

// maxDFAStates bounds an automaton's size; a pattern that would need more
// is matched with regexp instead (none of the library's does, today).
const maxDFAStates = 1 << 15

var errTooLarge = errors.New("the automaton would be too large")

// compileDFA builds the automaton of pattern, matched whole (the library's
// "^(?:" + pattern + ")$"). It fails for a pattern with anchors or word
// boundaries inside it, which this construction does not model.
func compileDFA(pattern string) (*digitDFA, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, err
	}
	// closure adds pc and every instruction reachable from it without
	// reading a digit, keeping the ones that read a digit or match.
	var closure func(set []uint32, seen []bool, pc uint32) ([]uint32, error)
	closure = func(set []uint32, seen []bool, pc uint32) ([]uint32, error) {
		if seen[pc] {
			return set, nil
		}
		seen[pc] = true
		inst := &prog.Inst[pc]
		switch inst.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			var err error
			if set, err = closure(set, seen, inst.Out); err != nil {
				return nil, err
			}
			return closure(set, seen, inst.Arg)
		case syntax.InstCapture, syntax.InstNop:
			return closure(set, seen, inst.Out)
		case syntax.InstEmptyWidth:
			return nil, errors.New("the pattern has an anchor inside it")
		case syntax.InstFail:
			return set, nil
		}
		return append(set, pc), nil // a rune, or the match
	}
	d := &digitDFA{}
	ids := map[string]int32{}
	var sets [][]uint32
	add := func(set []uint32) (int32, error) {
		slices.Sort(set)
		key := setKey(set)
		if id, ok := ids[key]; ok {
			return id, nil
		}
		if len(sets) >= maxDFAStates {
			return 0, errTooLarge
		}
		id := int32(len(sets))
		ids[key] = id
		sets = append(sets, set)
		accept := false
		for _, pc := range set {
			accept = accept || prog.Inst[pc].Op == syntax.InstMatch
		}
		d.accept = append(d.accept, accept)
		d.next = append(d.next, [10]int32{})
		return id, nil
	}
	start, err := closure(nil, make([]bool, len(prog.Inst)), uint32(prog.Start))
	if err != nil {
		return nil, err
	}
	if _, err := add(start); err != nil {
		return nil, err
	}
	for s := 0; s < len(sets); s++ {
		for digit := range 10 {
			r := rune('0' + digit)
			var next []uint32
			seen := make([]bool, len(prog.Inst))
			for _, pc := range sets[s] {
				inst := &prog.Inst[pc]
				var ok bool
				switch inst.Op {
				case syntax.InstRune, syntax.InstRune1:
					ok = inst.MatchRune(r)
				case syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
					ok = true
				}
				if ok {
					if next, err = closure(next, seen, inst.Out); err != nil {
						return nil, err
					}
				}
			}
			if len(next) == 0 {
				d.next[s][digit] = -1
				continue
			}
			id, err := add(next)
			if err != nil {
				return nil, err
			}
			d.next[s][digit] = id
		}
	}
	return d, nil
}

func setKey(set []uint32) string {
	var b strings.Builder
	for _, pc := range set {
		b.WriteString(strconv.FormatUint(uint64(pc), 36))
		b.WriteByte(',')
	}
	return b.String()
}

// match reports whether the digits s are accepted; any other byte fails.
func (d *digitDFA) match(s string) bool {
	state := int32(0)
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return false
		}
		if state = d.next[state][c]; state < 0 {
			return false
		}
	}
	return d.accept[state]
}

// matcher matches one pattern whole: with its automaton, or with regexp
// where the automaton cannot be built.
type matcher struct {
	once sync.Once
	src  string
	dfa  *digitDFA
	re   *regexp.Regexp
}

func (m *matcher) match(s string) bool {
	m.once.Do(func() {
		var err error
		if m.dfa, err = compileDFA(m.src); err != nil {
			m.re = regexp.MustCompile("^(?:" + m.src + ")$")
		}
	})
	if m.dfa != nil {
		return m.dfa.match(s)
	}
	return m.re.MatchString(s)
}

// matchers holds one matcher per pattern, built on first use: a process
// reads the numbers of a few countries, not of the 250 the plans cover.
var matchers sync.Map // pattern → *matcher

func matcherFor(pattern string) *matcher {
	if m, ok := matchers.Load(pattern); ok {
		return m.(*matcher)
	}
	m, _ := matchers.LoadOrStore(pattern, &matcher{src: pattern})
	return m.(*matcher)
}
