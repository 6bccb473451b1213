"""The citizens' portal: server-rendered pages on the platform's HTTP face, calling the
services' RPCs as the JSON API does, with the caller signed the same way."""
