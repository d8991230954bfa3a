"""Publishing: plan the difference between a built tree and a target, then apply it safely."""
