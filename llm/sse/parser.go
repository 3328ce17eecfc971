// Package sse is an incremental parser for server-sent event streams
// (text/event-stream), following the WHATWG HTML "event stream interpretation" rules.
//
// The parser is fed the stream in arbitrary pieces: an event, a line, or a "\r\n" pair
// may be split across Write calls. Each call costs work proportional to its chunk: the
// parser carries only the unfinished line and the data of the unfinished event, and reuses
// its buffers, so a steady stream parses without allocating.
package sse

import (
	"bytes"
	"errors"
)

// ErrEventTooLarge names an event that needed more than the parser's maximum event
// size. The parser does not stop for it: the event is skipped (never delivered, its
// bytes not held) up to the blank line that ends it, counted in Skipped, and parsing
// goes on with the next event — so the usage a stream reports after one huge event is
// still seen.
var ErrEventTooLarge = errors.New("sse: event exceeds the maximum event size")

// DefaultMaxEventSize is the event size limit used when NewParser is given 0.
const DefaultMaxEventSize = 16 << 20

// maxNames bounds the table of interned event names.
const maxNames = 64

// Handler receives each dispatched event. name is the event type ("" when the event had
// no `event:` field; the WHATWG default would be "message"); data is the event's data
// lines joined with "\n". data is only valid during the call.
type Handler func(name string, data []byte)

// Parser parses one event stream. It is not safe for concurrent use.
type Parser struct {
	on  Handler
	max int

	line    []byte // the unfinished line carried over from earlier chunks
	data    []byte // the data buffer of the event being built, each line followed by '\n'
	hasData bool   // a data field was seen in the current event
	name    string // the event type buffer
	names   map[string]string

	skipLF bool // the previous chunk ended with '\r': a leading '\n' belongs to it
	bom    int  // bytes of a leading UTF-8 BOM matched so far; -1 once past the start

	// skipping: the event being read went over the limit; its lines are dropped until
	// the blank line that ends it. midLine: bytes of the current (dropped) line were seen.
	skipping, midLine bool
	skipped           int
}

// Skipped is the number of events skipped for being over the maximum event size.
func (p *Parser) Skipped() int { return p.skipped }

var bomBytes = []byte{0xEF, 0xBB, 0xBF}

// NewParser returns a parser that calls on for each event. maxEvent bounds the size of
// one event as the parser holds it: the event's data so far plus the raw line being
// read (any line, comments included). The check does not depend on how the stream is
// split into chunks. 0 means DefaultMaxEventSize.
func NewParser(maxEvent int, on Handler) *Parser {
	if maxEvent <= 0 {
		maxEvent = DefaultMaxEventSize
	}
	return &Parser{on: on, max: maxEvent}
}

// Write parses the next piece of the stream, calling the handler for every event it
// completes. An event over the maximum size is skipped (see ErrEventTooLarge), not an
// error; the error return is kept for the Framer interface and is always nil.
func (p *Parser) Write(chunk []byte) error {
	if p.bom >= 0 {
		chunk = p.stripBOM(chunk)
		if p.bom >= 0 {
			return nil // still inside a possible BOM; nothing else in this chunk
		}
	}
	if p.skipLF && len(chunk) > 0 {
		p.skipLF = false
		if chunk[0] == '\n' {
			chunk = chunk[1:]
		}
	}
	for len(chunk) > 0 {
		end, next := lineEnd(chunk)
		if end < 0 {
			if p.skipping {
				p.midLine = true // the rest of a dropped line: not held
				return nil
			}
			p.carry(chunk)
			return nil
		}
		if next > len(chunk) { // a '\r' ends the chunk: the '\n' may open the next one
			p.skipLF = true
			next = len(chunk)
		}
		line := chunk[:end]
		chunk = chunk[next:]
		if p.skipping {
			// Only a blank line (no bytes since the last terminator) ends the dropped event.
			if end == 0 && !p.midLine {
				p.skipping = false
			}
			p.midLine = false
			continue
		}
		if len(p.line) > 0 {
			if !p.carry(line) {
				p.midLine = false // the terminator ended the dropped line
				continue
			}
			line = p.line
		} else if len(p.data)+len(line) > p.max {
			p.skip(false)
			continue
		}
		p.processLine(line)
		p.line = p.line[:0]
	}
	return nil
}

// Finish ends the stream. Following the WHATWG rules, an event that was not terminated
// by a blank line is discarded. It always returns nil (see Write).
func (p *Parser) Finish() error {
	p.line, p.data, p.hasData, p.name = p.line[:0], p.data[:0], false, ""
	p.skipping, p.midLine = false, false
	return nil
}

// lineEnd finds the first line terminator in b: end is the index where the line ends
// and next the index after the terminator (len(b)+1 when b ends in '\r', whose '\n' may
// follow in the next chunk). end is -1 when b holds no terminator.
func lineEnd(b []byte) (end, next int) {
	lf := bytes.IndexByte(b, '\n')
	scope := b
	if lf >= 0 {
		scope = b[:lf]
	}
	if cr := bytes.IndexByte(scope, '\r'); cr >= 0 {
		switch {
		case cr+1 == len(b):
			return cr, cr + 2
		case b[cr+1] == '\n':
			return cr, cr + 2
		default:
			return cr, cr + 1
		}
	}
	if lf < 0 {
		return -1, -1
	}
	return lf, lf + 1
}

// carry appends part of an unfinished line to the carried line, within the size limit;
// past it the event is skipped (false), the line counted as begun.
func (p *Parser) carry(b []byte) bool {
	if len(p.data)+len(p.line)+len(b) > p.max {
		p.skip(true)
		return false
	}
	p.line = append(p.line, b...)
	return true
}

// skip drops the event being built, which went over the limit, and drops its remaining
// lines up to the blank line that ends it. midLine says whether the current line has
// begun (its bytes are dropped too). The buffers are released: a huge event's memory
// does not stay with the stream.
func (p *Parser) skip(midLine bool) {
	p.skipped++
	p.skipping, p.midLine = true, midLine
	p.line, p.data, p.hasData, p.name = nil, nil, false, ""
}

// stripBOM removes a UTF-8 byte order mark at the very start of the stream, which may
// itself arrive split across chunks.
func (p *Parser) stripBOM(chunk []byte) []byte {
	for len(chunk) > 0 && p.bom < len(bomBytes) {
		if chunk[0] != bomBytes[p.bom] {
			// Not a BOM after all: the bytes matched so far are stream content.
			// Only a prefix of a multi-byte BOM could be pending; it is not valid
			// UTF-8 text on its own, but the parser keeps it as line content.
			matched := p.bom
			p.bom = -1
			if matched > 0 {
				p.line = append(p.line, bomBytes[:matched]...)
			}
			return chunk
		}
		p.bom++
		chunk = chunk[1:]
	}
	if p.bom == len(bomBytes) {
		p.bom = -1
	}
	return chunk
}

// processLine applies one complete line to the event being built.
func (p *Parser) processLine(line []byte) {
	if len(line) == 0 {
		p.dispatch()
		return
	}
	if line[0] == ':' {
		return // comment
	}
	field, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		field, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(field) {
	case "data":
		if len(p.data)+len(value)+1 > p.max {
			p.skip(false) // the line has ended: the next blank line ends the event
			return
		}
		p.data = append(p.data, value...)
		p.data = append(p.data, '\n')
		p.hasData = true
	case "event":
		p.name = p.intern(value)
	}
	// "id", "retry" and unknown fields are ignored.
}

// dispatch delivers the event being built, if it has data, and resets the buffers.
func (p *Parser) dispatch() {
	if p.hasData {
		p.on(p.name, p.data[:len(p.data)-1])
	}
	p.data, p.hasData, p.name = p.data[:0], false, ""
}

// intern returns name as a string, allocating only the first time a name is seen (up to
// maxNames distinct names).
func (p *Parser) intern(name []byte) string {
	if s, ok := p.names[string(name)]; ok {
		return s
	}
	s := string(name)
	if p.names == nil {
		p.names = make(map[string]string, 8)
	}
	if len(p.names) < maxNames {
		p.names[s] = s
	}
	return s
}
