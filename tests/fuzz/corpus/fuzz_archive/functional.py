def leaky_relu(input: Tensor,
    negative_slope: float=0.01,
    inplace: bool=False) -> Tensor:
  if inplace:
    result0 = torch.leaky_relu_(input, negative_slope)
    result = result0
  else:
    result1 = torch.leaky_relu(input, negative_slope)
    result = result1
  return result
def affine_grid(theta: Tensor,
    size: List[int],
    align_corners: Optional[bool]=None) -> Tensor:
  _0 = "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please specify align_corners=True if the old behavior is desired. See the documentation of grid_sample for details."
  _1 = "Expected theta to have floating point type, but got {}"
  _2 = "Expected a batch of 2D affine matrices of shape Nx2x3 for size {}. Got {}."
  _3 = "Expected a batch of 3D affine matrices of shape Nx3x4 for size {}. Got {}."
  _4 = "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size {}."
  _5 = "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when align_corners=True. This is not an intended use case of affine_grid. See the documentation of affine_grid for details."
  _6 = "Expected non-zero, positive output size. Got {}"
  _7 = uninitialized(List[int])
  if torch.__is__(align_corners, None):
    torch.warn(_0)
    align_corners0 = False
  else:
    align_corners0 = unchecked_cast(bool, align_corners)
  _8 = torch.__not__(torch.is_floating_point(theta))
  if _8:
    _9 = torch.format(_1, ops.prim.dtype(theta))
    ops.prim.RaiseException(_9, "builtins.ValueError")
  else:
    pass
  if torch.eq(torch.len(size), 4):
    if torch.ne(torch.dim(theta), 3):
      _10 = True
    else:
      _11 = torch.ne((torch.size(theta))[-2], 2)
      _10 = _11
    if _10:
      _12 = True
    else:
      _13 = torch.ne((torch.size(theta))[-1], 3)
      _12 = _13
    if _12:
      _14 = torch.format(_2, size, torch.size(theta))
      ops.prim.RaiseException(_14, "builtins.ValueError")
    else:
      pass
    spatial_size = torch.slice(size, -2)
  else:
    if torch.eq(torch.len(size), 5):
      if torch.ne(torch.dim(theta), 3):
        _15 = True
      else:
        _16 = torch.ne((torch.size(theta))[-2], 3)
        _15 = _16
      if _15:
        _17 = True
      else:
        _18 = torch.ne((torch.size(theta))[-1], 4)
        _17 = _18
      if _17:
        _19 = torch.format(_3, size, torch.size(theta))
        ops.prim.RaiseException(_19, "builtins.ValueError")
      else:
        pass
      spatial_size0 = torch.slice(size, -3)
    else:
      ops.prim.RaiseException(torch.format(_4, size), "builtins.NotImplementedError")
      spatial_size0 = _7
    spatial_size = spatial_size0
  if align_corners0:
    _21 = torch.eq(ops.prim.min(spatial_size), 1)
    _20 = _21
  else:
    _20 = False
  if _20:
    torch.warn(_5)
  else:
    if torch.le(ops.prim.min(size), 0):
      ops.prim.RaiseException(torch.format(_6, size), "builtins.ValueError")
    else:
      pass
  _22 = torch.affine_grid_generator(theta, size, align_corners0)
  return _22
def grid_sample(input: Tensor,
    grid: Tensor,
    mode: str="bilinear",
    padding_mode: str="zeros",
    align_corners: Optional[bool]=None) -> Tensor:
  _23 = "nn.functional.grid_sample(): expected mode to be \'bilinear\', \'nearest\' or \'bicubic\', but got: \'{}\'"
  _24 = "nn.functional.grid_sample(): expected padding_mode to be \'zeros\', \'border\', or \'reflection\', but got: \'{}\'"
  _25 = "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please specify align_corners=True if the old behavior is desired. See the documentation of grid_sample for details."
  if torch.ne(mode, "bilinear"):
    _26 = torch.ne(mode, "nearest")
  else:
    _26 = False
  if _26:
    _27 = torch.ne(mode, "bicubic")
  else:
    _27 = False
  if _27:
    ops.prim.RaiseException(torch.format(_23, mode), "builtins.ValueError")
  else:
    pass
  if torch.ne(padding_mode, "zeros"):
    _28 = torch.ne(padding_mode, "border")
  else:
    _28 = False
  if _28:
    _30 = torch.ne(padding_mode, "reflection")
    _29 = _30
  else:
    _29 = False
  if _29:
    ops.prim.RaiseException(torch.format(_24, padding_mode), "builtins.ValueError")
  else:
    pass
  if torch.eq(mode, "bilinear"):
    mode_enum = 0
  else:
    if torch.eq(mode, "nearest"):
      mode_enum0 = 1
    else:
      mode_enum0 = 2
    mode_enum = mode_enum0
  if torch.eq(padding_mode, "zeros"):
    padding_mode_enum = 0
  else:
    if torch.eq(padding_mode, "border"):
      padding_mode_enum0 = 1
    else:
      padding_mode_enum0 = 2
    padding_mode_enum = padding_mode_enum0
  if torch.__is__(align_corners, None):
    torch.warn(_25)
    align_corners1 = False
  else:
    align_corners1 = unchecked_cast(bool, align_corners)
  _31 = torch.grid_sampler(input, grid, mode_enum, padding_mode_enum, align_corners1)
  return _31
