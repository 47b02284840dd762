//! serenity glue: the only module that will import serenity. Not built yet.
