"""What the provider packages share and no provider owns: the read window, HTML as text, and the mail
side's folder names, limits, cursor parsing and attachment skip reasons."""
