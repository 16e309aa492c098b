"""Segue's FFmpeg layer: finding and running ffmpeg/ffprobe off the event loop."""
