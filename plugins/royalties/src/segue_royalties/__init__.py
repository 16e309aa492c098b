"""Segue plugin: royalty stream counting and pro-rata payouts."""
