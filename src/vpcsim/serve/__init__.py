"""``vpcsim serve``: the EC2 VPC API over vpcsim's model and engine (the edges layer)."""
