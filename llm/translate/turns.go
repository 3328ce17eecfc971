package translate

// turns writes Messages turns block by block, opening a turn at its first block and
// merging consecutive blocks of one role into one turn (Messages want the roles to
// alternate, and a user turn's tool results together).
//
// It also watches the last assistant turn: with thinking on, Messages refuse a
// conversation whose last assistant turn calls tools without opening with the thinking
// block it was answered with (its signature included). A client of another API never
// sends those back, so the translation then leaves thinking off for that request.
type turns struct {
	b      []byte
	role   string // the role of the open turn; "" when none is open
	blocks int    // blocks written in the open turn
	// Of the last assistant turn: it has tool_use blocks; it opens with thinking.
	lastTools, lastThinking bool
}

// block prepares b for the next block of a turn of role.
func (t *turns) block(role string) {
	if t.role == role {
		t.b = append(t.b, ',')
		t.blocks++
		return
	}
	t.close()
	t.b = appendComma(t.b)
	t.b = append(t.b, `{"role":"`...)
	t.b = append(t.b, role...)
	t.b = append(t.b, `","content":[`...)
	t.role, t.blocks = role, 1
	if role == "assistant" {
		t.lastTools, t.lastThinking = false, false
	}
}

// markToolUse marks the block just opened as a tool_use block.
func (t *turns) markToolUse() { t.lastTools = true }

// markThinking marks the block just opened as a thinking block.
func (t *turns) markThinking() {
	if t.blocks == 1 {
		t.lastThinking = true
	}
}

// thinkingRefused reports whether Messages would refuse thinking for these turns.
func (t *turns) thinkingRefused() bool { return t.lastTools && !t.lastThinking }

func (t *turns) close() {
	if t.role != "" {
		t.b = append(t.b, `]}`...)
		t.role = ""
	}
}
