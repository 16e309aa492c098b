"""Segue's transcoder: FFmpeg renditions, loudness, seekable and signed streaming.

The plugin module is :mod:`segue_transcoder.plugin`; :mod:`segue_transcoder.ffmpeg`
locates and runs ffmpeg/ffprobe off the event loop for the rest of Segue.
"""
