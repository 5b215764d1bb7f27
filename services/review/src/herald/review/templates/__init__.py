"""Stored templates' versions, reviewed once when published: the rules read each text's
skeleton (what no request's values decide), and a human decides what they hold."""
