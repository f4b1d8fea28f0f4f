class ContractGenerator(Module):
  __parameters__ = []
  __buffers__ = ["w_avg", ]
  w_avg : Tensor
  training : bool
  _is_full_backward_hook : Optional[bool]
  z_dim : int
  w_dim : int
  c_dim : int
  num_ws : int
  img_resolution : int
  img_channels : int
  num_layers : int
  layer_names : List[str]
  layer_resolutions : List[int]
  layer_channels : List[int]
  conv_clamp : float
  cpu_fast_path : bool
  fp16_resolution : int
  use_fp16 : bool
  fp16_dtype : int
  channels_last : bool
  block_resolutions : List[int]
  embed : NoneType
  mapping_fcs : __torch__.torch.nn.modules.container.ModuleList
  input_block : __torch__.autolume_model.networks.SynthesisInputBlock
  blocks : __torch__.torch.nn.modules.container.___torch_mangle_0.ModuleList
  def forward(self: __torch__.autolume_model.networks.ContractGenerator,
    z: Tensor,
    c: Tensor,
    truncation_psi: float,
    noise_gain: Tensor) -> Tensor:
    ws = (self).mapping(z, c, )
    w_avg = self.w_avg
    w_avg0 = self.w_avg
    _0 = torch.mul(torch.sub(ws, w_avg0), truncation_psi)
    ws0 = torch.add(w_avg, _0)
    return (self).synthesis(ws0, noise_gain, )
  def get_w_avg(self: __torch__.autolume_model.networks.ContractGenerator) -> Tensor:
    return self.w_avg
  def mapping(self: __torch__.autolume_model.networks.ContractGenerator,
    z: Tensor,
    c: Tensor) -> Tensor:
    _1 = __torch__.autolume_model.networks.normalize_2nd_moment
    cpu_fast_path = self.cpu_fast_path
    x = _1(torch.to(z, 6), 1e-08, )
    mapping_fcs = self.mapping_fcs
    _0 = getattr(mapping_fcs, "0")
    _10 = getattr(mapping_fcs, "1")
    _2 = getattr(mapping_fcs, "2")
    _3 = getattr(mapping_fcs, "3")
    x0 = (_0).forward(x, cpu_fast_path, )
    x1 = (_10).forward(x0, cpu_fast_path, )
    x2 = (_2).forward(x1, cpu_fast_path, )
    x3 = (_3).forward(x2, cpu_fast_path, )
    _4 = torch.unsqueeze(x3, 1)
    num_ws = self.num_ws
    _5 = torch.contiguous(torch.expand(_4, [-1, num_ws, -1]))
    return _5
  def reset_caches(self: __torch__.autolume_model.networks.ContractGenerator) -> NoneType:
    input_block = self.input_block
    _4 = (input_block).reset_cache()
    blocks = self.blocks
    _0 = getattr(blocks, "0")
    _1 = getattr(blocks, "1")
    _2 = getattr(blocks, "2")
    _3 = getattr(blocks, "3")
    _5 = (_0).reset_cache()
    _6 = (_1).reset_cache()
    _7 = (_2).reset_cache()
    _8 = (_3).reset_cache()
    return None
  def synthesis(self: __torch__.autolume_model.networks.ContractGenerator,
    ws: Tensor,
    noise_gain: Tensor) -> Tensor:
    img_resolution = self.img_resolution
    _9 = (self)._synthesis(ws, noise_gain, None, None, img_resolution, )
    return _9
  def synthesis_until(self: __torch__.autolume_model.networks.ContractGenerator,
    ws: Tensor,
    noise_gain: Tensor,
    bends: Tensor,
    bend_active: List[bool],
    max_resolution: int) -> Tensor:
    _10 = "bend_active must have num_layers entries"
    _11 = "max_resolution must be one of block_resolutions"
    _12 = torch.len(bend_active)
    num_layers = self.num_layers
    if torch.ne(_12, num_layers):
      ops.prim.RaiseException(_10, "builtins.ValueError")
    else:
      pass
    if torch.ne(torch.dim(bends), 3):
      _13 = True
    else:
      _14 = (torch.size(bends))[0]
      num_layers0 = self.num_layers
      _13 = torch.ne(_14, num_layers0)
    if _13:
      ops.prim.RaiseException("bends must be [num_layers, 2, 3]", "builtins.ValueError")
    else:
      pass
    block_resolutions = self.block_resolutions
    _15 = torch.__contains__(block_resolutions, max_resolution)
    if torch.__not__(_15):
      ops.prim.RaiseException(_11, "builtins.ValueError")
    else:
      pass
    _16 = (self)._synthesis(ws, noise_gain, bends, bend_active, max_resolution, )
    return _16
  def _synthesis(self: __torch__.autolume_model.networks.ContractGenerator,
    ws: Tensor,
    noise_gain: Tensor,
    bends: Optional[Tensor],
    bend_active: Optional[List[bool]],
    max_resolution: int) -> Tensor:
    cpu_fast_path = self.cpu_fast_path
    ws1 = torch.to(ws, 6)
    noise_gain0 = torch.to(noise_gain, 6)
    input_block = self.input_block
    _17 = (input_block).forward(torch.narrow(ws1, 1, 0, 2), torch.narrow(noise_gain0, 0, 0, 1), cpu_fast_path, bends, bend_active, 0, )
    x, img, = _17
    blocks = self.blocks
    _0 = getattr(blocks, "0")
    _1 = getattr(blocks, "1")
    _2 = getattr(blocks, "2")
    _3 = getattr(blocks, "3")
    resolution = _0.resolution
    _18 = torch.le(resolution, max_resolution)
    if _18:
      use_fp16 = self.use_fp16
      if use_fp16:
        resolution0 = _0.resolution
        fp16_resolution = self.fp16_resolution
        _20 = torch.ge(resolution0, fp16_resolution)
        _19 = _20
      else:
        _19 = False
      if _19:
        dtype = self.fp16_dtype
      else:
        dtype = 6
      _21 = torch.narrow(ws1, 1, 1, 3)
      _22 = torch.narrow(noise_gain0, 0, 1, 2)
      channels_last = self.channels_last
      _23 = (_0).forward(x, img, _21, _22, dtype, cpu_fast_path, bends, bend_active, 1, channels_last, )
      x5, img1, = _23
      x4, img0 = x5, img1
    else:
      x4, img0 = x, img
    resolution1 = _1.resolution
    _24 = torch.le(resolution1, max_resolution)
    if _24:
      use_fp160 = self.use_fp16
      if use_fp160:
        resolution2 = _1.resolution
        fp16_resolution0 = self.fp16_resolution
        _26 = torch.ge(resolution2, fp16_resolution0)
        _25 = _26
      else:
        _25 = False
      if _25:
        dtype0 = self.fp16_dtype
      else:
        dtype0 = 6
      _27 = torch.narrow(ws1, 1, 3, 3)
      _28 = torch.narrow(noise_gain0, 0, 3, 2)
      channels_last0 = self.channels_last
      _29 = (_1).forward(x4, img0, _27, _28, dtype0, cpu_fast_path, bends, bend_active, 3, channels_last0, )
      x7, img3, = _29
      x6, img2 = x7, img3
    else:
      x6, img2 = x4, img0
    resolution3 = _2.resolution
    _30 = torch.le(resolution3, max_resolution)
    if _30:
      use_fp161 = self.