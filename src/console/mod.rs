//! `kyodo console`: the slash commands typed or piped on stdin, replies on stdout.
//! Not built yet: it will call `commands` exactly as `discord` does.
