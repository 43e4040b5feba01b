"""The server's side of the players on the clusters: pairing, heartbeats and status, commands, alarms."""
