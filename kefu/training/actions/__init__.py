"""Every write of the training app, one module per area (kefu.lib.errors.ActionError on
refusal)."""
