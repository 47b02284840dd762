//! The slash commands as data and their handlers: `Request` in, `Reply` out, transport-free.
//! Served by `console` and `discord`. Not built yet: see issue "The command core and the console".
