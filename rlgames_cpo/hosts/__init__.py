"""One module per host framework that runs this plugin: its config conventions, entry points and
quirks, so ``launch`` stays host-neutral."""
