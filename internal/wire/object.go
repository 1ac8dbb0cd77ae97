package wire

// Object reads the members of a JSON object one at a time, without
// decoding their values: the frame decoder's loop.
type Object struct {
	s       scanner
	started bool
	done    bool
	err     error
	buf     []byte
}

// NewObject returns an Object over data, which must hold exactly one
// JSON object.
func NewObject(data []byte) Object { return Object{s: scanner{data: data}} }

// Next returns the next member's key and the text of its value; false at
// the end of the object or at the first error (see [Object.Err]).
func (o *Object) Next() (key string, value []byte, ok bool) {
	if o.done || o.err != nil {
		return "", nil, false
	}
	s := &o.s
	if !o.started {
		o.started = true
		if err := s.expect('{'); err != nil {
			o.err = err
			return "", nil, false
		}
		if s.peek() == '}' {
			s.i++
			o.finish()
			return "", nil, false
		}
	} else {
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			o.finish()
			return "", nil, false
		default:
			o.err = s.unexpected("',' or '}'")
			return "", nil, false
		}
	}
	k, err := s.str(o.buf[:0])
	o.buf = k
	if err == nil {
		err = s.expect(':')
	}
	if err != nil {
		o.err = err
		return "", nil, false
	}
	v, err := s.skip()
	if err != nil {
		o.err = err
		return "", nil, false
	}
	return string(k), v, true
}

func (o *Object) finish() {
	o.done = true
	o.err = o.s.end()
}

// Err returns the first error met.
func (o *Object) Err() error { return o.err }
