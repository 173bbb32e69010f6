"""Photo evidence: uploads from the mini-program, a safe image pipeline, private storage (照片证据)."""
