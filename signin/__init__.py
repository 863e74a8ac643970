"""Sign-in protection: failed sign-ins throttled per account and per address (django-axes), the
client's address as our own proxies saw it, and the page a locked-out person sees."""
