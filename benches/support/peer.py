"""The discord.py peer of benches/interaction.rs: the floor bot's work (benches/support/floor.rs)
written the way a discord.py bot would — one INSERT per interaction (sqlite3, WAL,
synchronous=FULL, on a copy of the same seeded database), then a type-4 callback.

discord.py has no setting for the API's base URL or the gateway's: it reads them from two class
attributes, `Route.BASE` (which its own `_set_api_version` rewrites) and
`DiscordWebSocket.DEFAULT_GATEWAY`. This file sets those two to the local stand-in and changes
nothing else in the library.

Environment: DISCORD_TOKEN, KYODO_DISCORD_API (http://127.0.0.1:PORT),
KYODO_DISCORD_GATEWAY (ws://127.0.0.1:PORT), KYODO_BENCH_DB (the database file).
"""

import json
import os
import sqlite3

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

Route.BASE = os.environ["KYODO_DISCORD_API"].rstrip("/") + "/api/v10"
DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["KYODO_DISCORD_GATEWAY"].rstrip("/") + "/")

db = sqlite3.connect(os.environ["KYODO_BENCH_DB"], isolation_level=None, timeout=5.0)
assert db.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() == "wal"
db.execute("PRAGMA synchronous = FULL")
db.execute(
    """CREATE TABLE IF NOT EXISTS floor_reports (
        id INTEGER PRIMARY KEY,
        interaction_id INTEGER NOT NULL UNIQUE,
        user_id INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        command TEXT NOT NULL,
        options TEXT NOT NULL,
        received_at TEXT NOT NULL
    )"""
)

client = discord.Client(intents=discord.Intents.default())


@client.event
async def on_interaction(interaction: discord.Interaction):
    data = interaction.data or {}
    try:
        db.execute(
            "INSERT INTO floor_reports (interaction_id, user_id, channel_id, command, options, received_at) "
            "VALUES (?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            (
                interaction.id,
                interaction.user.id,
                interaction.channel_id,
                data.get("name", ""),
                json.dumps(data.get("options", []), ensure_ascii=False),
            ),
        )
        content = "記録しました"
    except sqlite3.Error:
        content = "記録できませんでした"
    await interaction.response.send_message(content)


client.run(os.environ["DISCORD_TOKEN"], log_handler=None)
