"""Friends, live activity, devices and playback handoff (the presence issue's core half).

Durable data (friendships, requests, blocks, privacy settings) lives in the
catalog + users slot; short-lived data (now playing, recent plays, devices,
playback state, live push) lives in the presence slot. The modules here
combine both and enforce privacy on every path.
"""
