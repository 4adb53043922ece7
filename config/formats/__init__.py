"""Date formats of our own, where Django's locale data does not fit the citizen pages."""
