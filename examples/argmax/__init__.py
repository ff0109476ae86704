"""torch.argmax(x, dim=-1) for a [rows, cols] f32 tensor: int64 indices and a bool is-max mask."""
