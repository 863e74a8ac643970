"""What the provider packages share and no provider owns: the read window, HTML as text, a JSON item as
a change, and the mail side's folder names, limits, cursor parsing and attachment skip reasons."""
