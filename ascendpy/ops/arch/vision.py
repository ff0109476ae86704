"""Convolutional networks of MultiKernelBench's arch category, layer for layer as the tasks' torch models.

Submodule names follow the torch models, so their state_dicts load. A residual add followed by a ReLU is one
fused kernel (`_add_relu`); a conv's ReLU that no normalisation separates from it is its epilogue.
"""

from __future__ import annotations

from typing import Any

from ascendpy import ops
from ascendpy.ops import Epilogue, nn
from ascendpy.ops.arch import arch
from ascendpy.ops.nn import flatten


def _add_relu(x: Any, identity: Any, relu: bool = True) -> Any:
    """x + identity (then ReLU) in one kernel."""
    e = Epilogue().add(identity)
    return ops.fused(x, e.relu() if relu else e)


def _conv_relu(conv: nn.Conv2d, x: Any) -> Any:
    """conv then ReLU, the ReLU as the conv's epilogue (one store)."""
    return conv(x, epilogue=Epilogue().relu())


def _run(seq: nn.Sequential, x: Any) -> Any:
    """A Sequential whose Conv2d + ReLU pairs run fused."""
    mods = list(seq._modules.values())
    i = 0
    while i < len(mods):
        m = mods[i]
        if type(m) is nn.Conv2d and i + 1 < len(mods) and type(mods[i + 1]) is nn.ReLU:
            x = _conv_relu(m, x)
            i += 2
        else:
            x = m(x)
            i += 1
    return x


# ---- LeNet-5, AlexNet, VGG
@arch("lenet5", lowp=True)
class LeNet5(nn.Module):
    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, stride=1)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5, stride=1)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x: Any) -> Any:
        x = ops.max_pool2d(_conv_relu(self.conv1, x), kernel_size=2, stride=2)
        x = ops.max_pool2d(_conv_relu(self.conv2, x), kernel_size=2, stride=2)
        x = x.reshape(-1, 16 * 5 * 5)
        x = self.fc1(x, epilogue=Epilogue().relu())
        x = self.fc2(x, epilogue=Epilogue().relu())
        return self.fc3(x)


@arch("alexnet")
class AlexNet(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 96, kernel_size=11, stride=4, padding=2)
        self.relu1 = nn.ReLU(inplace=True)
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.conv2 = nn.Conv2d(96, 256, kernel_size=5, padding=2)
        self.relu2 = nn.ReLU(inplace=True)
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.conv3 = nn.Conv2d(256, 384, kernel_size=3, padding=1)
        self.relu3 = nn.ReLU(inplace=True)
        self.conv4 = nn.Conv2d(384, 384, kernel_size=3, padding=1)
        self.relu4 = nn.ReLU(inplace=True)
        self.conv5 = nn.Conv2d(384, 256, kernel_size=3, padding=1)
        self.relu5 = nn.ReLU(inplace=True)
        self.maxpool3 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.fc1 = nn.Linear(256 * 6 * 6, 4096)
        self.relu6 = nn.ReLU(inplace=True)
        self.dropout1 = nn.Dropout(p=0.0)
        self.fc2 = nn.Linear(4096, 4096)
        self.relu7 = nn.ReLU(inplace=True)
        self.dropout2 = nn.Dropout(p=0.0)
        self.fc3 = nn.Linear(4096, num_classes)

    def extract(self, x: Any) -> Any:
        """The convolutional part (conv1 .. maxpool3)."""
        x = self.maxpool1(_conv_relu(self.conv1, x))
        x = self.maxpool2(_conv_relu(self.conv2, x))
        x = _conv_relu(self.conv4, _conv_relu(self.conv3, x))
        return self.maxpool3(_conv_relu(self.conv5, x))

    def classify(self, x: Any) -> Any:
        """The fully connected part, on the flattened features."""
        x = self.dropout1(self.fc1(x, epilogue=Epilogue().relu()))
        x = self.dropout2(self.fc2(x, epilogue=Epilogue().relu()))
        return self.fc3(x)

    def forward(self, x: Any) -> Any:
        return self.classify(flatten(self.extract(x), 1))


def _vgg_features(cfg: list[Any]) -> nn.Sequential:
    layers: list[nn.Module] = []
    c = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(c, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            c = v
    return nn.Sequential(*layers)


class _VGG(nn.Module):
    cfg: list[Any] = []

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = _vgg_features(self.cfg)
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Dropout(p=0.0),
            nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(p=0.0),
            nn.Linear(4096, num_classes))

    def extract(self, x: Any) -> Any:
        """`features`, each conv with its ReLU fused."""
        return _run(self.features, x)

    def classify(self, x: Any) -> Any:
        """`classifier` on the flattened features, each Linear with its ReLU fused."""
        mods = list(self.classifier._modules.values())
        for lin, drop in ((mods[0], mods[2]), (mods[3], mods[5])):
            x = drop(lin(x, epilogue=Epilogue().relu()))
        return mods[6](x)

    def forward(self, x: Any) -> Any:
        return self.classify(flatten(self.extract(x), 1))


@arch("vgg16")
class VGG16(_VGG):
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


@arch("vgg19")
class VGG19(_VGG):
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]


# ---- ResNet
class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, downsample: Any = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Any) -> Any:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return _add_relu(out, x if self.downsample is None else self.downsample(x))


@arch("resnet_basic_block", lowp=True)
class ResNetBasicBlock(BasicBlock):
    """MultiKernelBench's resnet_basic_block: a BasicBlock that always has its 1x1 downsample."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__(in_channels, out_channels, stride, nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
            nn.BatchNorm2d(out_channels)))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, downsample: Any = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv3 = nn.Conv2d(out_channels, out_channels * self.expansion, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Any) -> Any:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return _add_relu(out, x if self.downsample is None else self.downsample(x))


class _ResNet(nn.Module):
    def __init__(self, block: Any, layers: list[int], num_classes: int = 1000) -> None:
        super().__init__()
        self.in_channels = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block: Any, out_channels: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.in_channels != out_channels * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.in_channels, out_channels * block.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels * block.expansion))
        layers = [block(self.in_channels, out_channels, stride, downsample)]
        self.in_channels = out_channels * block.expansion
        layers += [block(self.in_channels, out_channels) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Any) -> Any:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(flatten(self.avgpool(x), 1))


@arch("resnet18")
class ResNet18(_ResNet):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__(BasicBlock, [2, 2, 2, 2], num_classes)


@arch("resnet101")
class ResNet101(_ResNet):
    """MultiKernelBench's resnet101: Bottleneck blocks, `layers` per stage ([3, 4, 23, 3])."""

    def __init__(self, layers: list[int], num_classes: int = 1000) -> None:
        super().__init__(Bottleneck, layers, num_classes)


# ---- DenseNet
def _dense_layer(in_features: int, growth_rate: int) -> nn.Sequential:
    return nn.Sequential(nn.BatchNorm2d(in_features), nn.ReLU(inplace=True),
                         nn.Conv2d(in_features, growth_rate, kernel_size=3, padding=1, bias=False), nn.Dropout(0.0))


@arch("densenet121_dense_block", lowp=True)
class DenseBlock(nn.Module):
    def __init__(self, num_layers: int, num_input_features: int, growth_rate: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(_dense_layer(num_input_features + i * growth_rate, growth_rate)
                                    for i in range(num_layers))

    def forward(self, x: Any) -> Any:
        features = [x]
        for layer in self.layers:
            features.append(layer(x))
            x = ops.cat(features, 1)
        return x


@arch("densenet121_transition_layer")
class TransitionLayer(nn.Module):
    def __init__(self, num_input_features: int, num_output_features: int) -> None:
        super().__init__()
        self.transition = nn.Sequential(
            nn.BatchNorm2d(num_input_features), nn.ReLU(inplace=True),
            nn.Conv2d(num_input_features, num_output_features, kernel_size=1, bias=False),
            nn.AvgPool2d(kernel_size=2, stride=2))

    def forward(self, x: Any) -> Any:
        return self.transition(x)


class _DenseNet(nn.Module):
    block_layers: list[int] = []

    def __init__(self, growth_rate: int = 32, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64),
            nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        num_features = 64
        self.dense_blocks = nn.ModuleList()
        self.transition_layers = nn.ModuleList()
        for i, num_layers in enumerate(self.block_layers):
            self.dense_blocks.append(DenseBlock(num_layers, num_features, growth_rate))
            num_features += num_layers * growth_rate
            if i != len(self.block_layers) - 1:
                self.transition_layers.append(TransitionLayer(num_features, num_features // 2))
                num_features //= 2
        self.final_bn = nn.BatchNorm2d(num_features)
        self.classifier = nn.Linear(num_features, num_classes)

    def forward(self, x: Any) -> Any:
        x = self.features(x)
        for i, block in enumerate(self.dense_blocks):
            x = block(x)
            if i != len(self.dense_blocks) - 1:
                x = self.transition_layers[i](x)
        x = ops.relu(self.final_bn(x))
        return self.classifier(flatten(ops.adaptive_avg_pool2d(x, (1, 1)), 1))


@arch("densenet121")
class DenseNet121(_DenseNet):
    block_layers = [6, 12, 24, 16]


@arch("densenet201")
class DenseNet201(_DenseNet):
    block_layers = [6, 12, 48, 32]


# ---- SqueezeNet, GoogLeNet
@arch("squeeze_net_fire_module")
class FireModule(nn.Module):
    def __init__(self, in_channels: int, squeeze_channels: int, expand1x1_channels: int,
                 expand3x3_channels: int) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(in_channels, squeeze_channels, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze_channels, expand1x1_channels, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze_channels, expand3x3_channels, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x: Any) -> Any:
        x = _conv_relu(self.squeeze, x)
        return ops.cat([_conv_relu(self.expand1x1, x), _conv_relu(self.expand3x3, x)], 1)


@arch("squeeze_net", lowp=True)
class SqueezeNet(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, kernel_size=7, stride=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            FireModule(96, 16, 64, 64), FireModule(128, 16, 64, 64), FireModule(128, 32, 128, 128),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            FireModule(256, 32, 128, 128), FireModule(256, 48, 192, 192), FireModule(384, 48, 192, 192),
            FireModule(384, 64, 256, 256),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            FireModule(512, 64, 256, 256))
        self.classifier = nn.Sequential(nn.Dropout(p=0.0), nn.Conv2d(512, num_classes, kernel_size=1),
                                        nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)))

    def forward(self, x: Any) -> Any:
        return flatten(_run(self.classifier, _run(self.features, x)), 1)


@arch("googlenet_inception_module")
class InceptionModule(nn.Module):
    def __init__(self, in_channels: int, out_1x1: int, reduce_3x3: int, out_3x3: int, reduce_5x5: int,
                 out_5x5: int, pool_proj: int) -> None:
        super().__init__()
        self.branch1x1 = nn.Conv2d(in_channels, out_1x1, kernel_size=1)
        self.branch3x3 = nn.Sequential(nn.Conv2d(in_channels, reduce_3x3, kernel_size=1),
                                       nn.Conv2d(reduce_3x3, out_3x3, kernel_size=3, padding=1))
        self.branch5x5 = nn.Sequential(nn.Conv2d(in_channels, reduce_5x5, kernel_size=1),
                                       nn.Conv2d(reduce_5x5, out_5x5, kernel_size=5, padding=2))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
                                         nn.Conv2d(in_channels, pool_proj, kernel_size=1))

    def forward(self, x: Any) -> Any:
        return ops.cat([self.branch1x1(x), self.branch3x3(x), self.branch5x5(x), self.branch_pool(x)], 1)


@arch("googlenet_inception_v1", lowp=True)
class GoogLeNet(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(64, 64, kernel_size=1)
        self.conv3 = nn.Conv2d(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, padding=1)
        self.inception3a = InceptionModule(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = InceptionModule(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, padding=1)
        self.inception4a = InceptionModule(480, 192, 96, 208, 16, 48, 64)
        self.inception4b = InceptionModule(512, 160, 112, 224, 24, 64, 64)
        self.inception4c = InceptionModule(512, 128, 128, 256, 24, 64, 64)
        self.inception4d = InceptionModule(512, 112, 144, 288, 32, 64, 64)
        self.inception4e = InceptionModule(528, 256, 160, 320, 32, 128, 128)
        self.maxpool4 = nn.MaxPool2d(3, stride=2, padding=1)
        self.inception5a = InceptionModule(832, 256, 160, 320, 32, 128, 128)
        self.inception5b = InceptionModule(832, 384, 192, 384, 48, 128, 128)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.0)
        self.fc = nn.Linear(1024, num_classes)

    def forward(self, x: Any) -> Any:
        x = self.maxpool1(_conv_relu(self.conv1, x))
        x = _conv_relu(self.conv2, x)
        x = self.maxpool2(_conv_relu(self.conv3, x))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        for m in (self.inception4a, self.inception4b, self.inception4c, self.inception4d, self.inception4e):
            x = m(x)
        x = self.inception5b(self.inception5a(self.maxpool4(x)))
        return self.fc(self.dropout(flatten(self.avgpool(x), 1)))


# ---- MobileNet, EfficientNet
def _conv_bn(inp: int, oup: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(inp, oup, 3, stride, 1, bias=False), nn.BatchNorm2d(oup), nn.ReLU(inplace=True))


def _conv_dw(inp: int, oup: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(inp, inp, 3, stride, 1, groups=inp, bias=False), nn.BatchNorm2d(inp), nn.ReLU(inplace=True),
        nn.Conv2d(inp, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup), nn.ReLU(inplace=True))


@arch("mobilenet_v1")
class MobileNetV1(nn.Module):
    def __init__(self, num_classes: int = 1000, input_channels: int = 3, alpha: float = 1.0) -> None:
        super().__init__()
        a = lambda c: int(c * alpha)  # noqa: E731
        self.model = nn.Sequential(
            _conv_bn(input_channels, a(32), 2), _conv_dw(a(32), a(64), 1), _conv_dw(a(64), a(128), 2),
            _conv_dw(a(128), a(128), 1), _conv_dw(a(128), a(256), 2), _conv_dw(a(256), a(256), 1),
            _conv_dw(a(256), a(512), 2), *[_conv_dw(a(512), a(512), 1) for _ in range(5)],
            _conv_dw(a(512), a(1024), 2), _conv_dw(a(1024), a(1024), 1), nn.AvgPool2d(7))
        self.fc = nn.Linear(a(1024), num_classes)

    def forward(self, x: Any) -> Any:
        return self.fc(flatten(self.model(x), 1))


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


@arch("mobilenet_v2", note="as the task's model: its inverted residual blocks add no residual")
class MobileNetV2(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()

        def block(inp: int, oup: int, stride: int, t: int) -> nn.Sequential:
            hidden = int(inp * t)
            layers: list[nn.Module] = []
            if t != 1:
                layers += [nn.Conv2d(inp, hidden, 1, 1, 0, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True)]
            layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
                       nn.ReLU6(inplace=True), nn.Conv2d(hidden, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup)]
            return nn.Sequential(*layers)

        input_channel, last_channel = 32, 1280
        features: list[nn.Module] = [nn.Conv2d(3, input_channel, 3, 2, 1, bias=False), nn.BatchNorm2d(input_channel),
                                     nn.ReLU6(inplace=True)]
        for t, c, n, s in [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                           [6, 160, 3, 2], [6, 320, 1, 1]]:
            out = _make_divisible(c, 8)
            for i in range(n):
                features.append(block(input_channel, out, s if i == 0 else 1, t))
                input_channel = out
        features += [nn.Conv2d(input_channel, last_channel, 1, 1, 0, bias=False), nn.BatchNorm2d(last_channel),
                     nn.ReLU6(inplace=True), nn.AdaptiveAvgPool2d((1, 1))]
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(0.0), nn.Linear(last_channel, num_classes))

    def forward(self, x: Any) -> Any:
        return self.classifier(flatten(self.features(x), 1))


@arch("efficientnet_mb_conv", lowp=True)
class MBConv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int,
                 expand_ratio: int) -> None:
        super().__init__()
        self.use_residual = stride == 1 and in_channels == out_channels
        hidden = in_channels * expand_ratio
        if expand_ratio != 1:
            self.expand_conv = nn.Sequential(nn.Conv2d(in_channels, hidden, 1, 1, 0, bias=False),
                                             nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True))
        self.depthwise_conv = nn.Sequential(
            nn.Conv2d(hidden, hidden, kernel_size, stride, (kernel_size - 1) // 2, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True))
        self.project_conv = nn.Sequential(nn.Conv2d(hidden, out_channels, 1, 1, 0, bias=False),
                                          nn.BatchNorm2d(out_channels))

    def forward(self, x: Any) -> Any:
        y = self.expand_conv(x) if "expand_conv" in self._modules else x
        y = self.project_conv(self.depthwise_conv(y))
        return ops.add(y, x) if self.use_residual else y


@arch("efficientnet_b0")
class EfficientNetB0(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.blocks = nn.Sequential(*[MBConv(*a) for a in [
            (32, 16, 3, 1, 1), (16, 24, 3, 2, 6), (24, 24, 3, 1, 6), (24, 40, 5, 2, 6), (40, 40, 5, 1, 6),
            (40, 80, 3, 2, 6), (80, 80, 3, 1, 6), (80, 112, 5, 1, 6), (112, 112, 5, 1, 6), (112, 192, 5, 2, 6),
            (192, 192, 5, 1, 6), (192, 192, 5, 1, 6), (192, 320, 3, 1, 6)]])
        self.conv2 = nn.Conv2d(320, 1280, kernel_size=1, stride=1, padding=0, bias=False)
        self.bn2 = nn.BatchNorm2d(1280)
        self.fc = nn.Linear(1280, num_classes)

    def forward(self, x: Any) -> Any:
        x = self.blocks(ops.relu(self.bn1(self.conv1(x))))
        x = ops.relu(self.bn2(self.conv2(x)))
        return self.fc(flatten(ops.adaptive_avg_pool2d(x, (1, 1)), 1))


@arch("efficientnet_b1")
class EfficientNetB1(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        for i, a in enumerate([(32, 16, 1, 1), (16, 24, 2, 6), (24, 40, 2, 6), (40, 80, 2, 6), (80, 112, 1, 6),
                               (112, 192, 2, 6), (192, 320, 1, 6)]):
            setattr(self, f"mbconv{i + 1}", self._make_mbconv_block(*a))
        self.conv2 = nn.Conv2d(320, 1280, kernel_size=1, stride=1, padding=0, bias=False)
        self.bn2 = nn.BatchNorm2d(1280)
        self.fc = nn.Linear(1280, num_classes)

    @staticmethod
    def _make_mbconv_block(cin: int, cout: int, stride: int, expand_ratio: int) -> nn.Sequential:
        hidden = round(cin * expand_ratio)
        return nn.Sequential(
            nn.Conv2d(cin, hidden, 1, 1, 0, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
            nn.ReLU6(inplace=True), nn.Conv2d(hidden, cout, 1, 1, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: Any) -> Any:
        x = ops.relu(self.bn1(self.conv1(x)))
        for i in range(7):
            x = self._modules[f"mbconv{i + 1}"](x)
        x = ops.relu(self.bn2(self.conv2(x)))
        return self.fc(flatten(ops.adaptive_avg_pool2d(x, (1, 1)), 1))


@arch("efficientnet_b2")
class EfficientNetB2(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.relu = nn.ReLU(inplace=True)
        for i, a in enumerate([(32, 96, 1, 3), (96, 144, 2, 6), (144, 192, 2, 6), (192, 288, 2, 6),
                               (288, 384, 1, 6)]):
            setattr(self, f"mbconv{i + 1}", self._make_mbconv_block(*a))
        self.conv_final = nn.Conv2d(384, 1408, kernel_size=1, stride=1, padding=0, bias=False)
        self.bn_final = nn.BatchNorm2d(1408)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(1408, num_classes)

    @staticmethod
    def _make_mbconv_block(cin: int, cout: int, stride: int, expand_ratio: int) -> nn.Sequential:
        e = cin * expand_ratio
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers += [nn.Conv2d(cin, e, 1, 1, 0, bias=False), nn.BatchNorm2d(e), nn.ReLU(inplace=True)]
        layers += [nn.Conv2d(e, e, 3, stride, 1, groups=e, bias=False), nn.BatchNorm2d(e), nn.ReLU(inplace=True),
                   nn.AdaptiveAvgPool2d((1, 1)), nn.Conv2d(e, e // 4, 1, 1, 0, bias=False), nn.ReLU(inplace=True),
                   nn.Conv2d(e // 4, e, 1, 1, 0, bias=False), nn.Sigmoid(), nn.Conv2d(e, cout, 1, 1, 0, bias=False),
                   nn.BatchNorm2d(cout)]
        return nn.Sequential(*layers)

    def forward(self, x: Any) -> Any:
        x = self.relu(self.bn1(self.conv1(x)))
        for i in range(5):
            x = _run(self._modules[f"mbconv{i + 1}"], x)
        x = self.relu(self.bn_final(self.conv_final(x)))
        return self.fc(flatten(self.avgpool(x), 1))


# ---- ShuffleNet
class ChannelShuffle(nn.Module):
    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: Any) -> Any:
        return ops.channel_shuffle(x, self.groups)


@arch("shufflenet_unit", lowp=True)
class ShuffleNetUnit(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, groups: int = 3) -> None:
        super().__init__()
        if out_channels % 4:
            raise ValueError(f"ShuffleNetUnit: out_channels {out_channels} must divide by 4")
        mid = out_channels // 4
        self.conv1 = nn.Conv2d(in_channels, mid, 1, 1, 0, groups=groups, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, 1, 1, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, out_channels, 1, 1, 0, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.shuffle = ChannelShuffle(groups)
        self.shortcut = nn.Sequential() if in_channels == out_channels else nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 1, 1, 0, bias=False), nn.BatchNorm2d(out_channels))

    def forward(self, x: Any) -> Any:
        out = ops.relu(self.bn1(self.conv1(x)))
        out = self.shuffle(self.bn2(self.conv2(out)))
        return ops.fused(self.bn3(self.conv3(out)), Epilogue().relu().add(self.shortcut(x)))


@arch("shufflenet")
class ShuffleNet(nn.Module):
    def __init__(self, num_classes: int = 1000, groups: int = 3, stages_repeats: tuple[int, ...] = (3, 7, 3),
                 stages_out_channels: tuple[int, ...] = (24, 240, 480, 960)) -> None:
        super().__init__()
        c = stages_out_channels
        self.conv1 = nn.Conv2d(3, c[0], kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c[0])
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for i in range(3):
            units = [ShuffleNetUnit(c[i], c[i + 1], groups)]
            units += [ShuffleNetUnit(c[i + 1], c[i + 1], groups) for _ in range(1, stages_repeats[i])]
            setattr(self, f"stage{i + 2}", nn.Sequential(*units))
        self.conv5 = nn.Conv2d(c[3], 1024, kernel_size=1, stride=1, padding=0, bias=False)
        self.bn5 = nn.BatchNorm2d(1024)
        self.fc = nn.Linear(1024, num_classes)

    def forward(self, x: Any) -> Any:
        x = self.maxpool(ops.relu(self.bn1(self.conv1(x))))
        x = self.stage4(self.stage3(self.stage2(x)))
        x = ops.relu(self.bn5(self.conv5(x)))
        return self.fc(flatten(ops.adaptive_avg_pool2d(x, (1, 1)), 1))


# ---- RegNet, U-Net
@arch("regnet", lowp=True)
class RegNet(nn.Module):
    def __init__(self, input_channels: int, stages: int, block_widths: list[int], output_classes: int) -> None:
        super().__init__()
        layers = []
        c = input_channels
        for i in range(stages):
            w = block_widths[i]
            layers.append(nn.Sequential(
                nn.Conv2d(c, w, kernel_size=3, padding=1), nn.BatchNorm2d(w), nn.ReLU(),
                nn.Conv2d(w, w, kernel_size=3, padding=1), nn.BatchNorm2d(w), nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2)))
            c = w
        self.feature_extractor = nn.Sequential(*layers)
        self.fc = nn.Linear(block_widths[-1], output_classes)

    def forward(self, x: Any) -> Any:
        return self.fc(ops.mean(self.feature_extractor(x), dim=[2, 3]))


class DoubleConv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.double_conv = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.BatchNorm2d(out_channels),
            nn.Softmax(dim=-1),
            nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1), nn.BatchNorm2d(out_channels),
            nn.Softmax(dim=-1))

    def forward(self, x: Any) -> Any:
        return self.double_conv(x)


@arch("unet_softmax")
class UNetSoftmax(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, features: int) -> None:
        super().__init__()
        f = features
        self.encoder1 = DoubleConv(in_channels, f)
        self.pool1 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.encoder2 = DoubleConv(f, f * 2)
        self.pool2 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.encoder3 = DoubleConv(f * 2, f * 4)
        self.pool3 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.encoder4 = DoubleConv(f * 4, f * 8)
        self.pool4 = nn.MaxPool2d(kernel_size=2, stride=2)
        self.bottleneck = DoubleConv(f * 8, f * 16)
        self.upconv4 = nn.ConvTranspose2d(f * 16, f * 8, kernel_size=2, stride=2)
        self.decoder4 = DoubleConv(f * 16, f * 8)
        self.upconv3 = nn.ConvTranspose2d(f * 8, f * 4, kernel_size=2, stride=2)
        self.decoder3 = DoubleConv(f * 8, f * 4)
        self.upconv2 = nn.ConvTranspose2d(f * 4, f * 2, kernel_size=2, stride=2)
        self.decoder2 = DoubleConv(f * 4, f * 2)
        self.upconv1 = nn.ConvTranspose2d(f * 2, f, kernel_size=2, stride=2)
        self.decoder1 = DoubleConv(f * 2, f)
        self.final_conv = nn.Conv2d(f, out_channels, kernel_size=1)

    def forward(self, x: Any) -> Any:
        enc1 = self.encoder1(x)
        enc2 = self.encoder2(self.pool1(enc1))
        enc3 = self.encoder3(self.pool2(enc2))
        enc4 = self.encoder4(self.pool3(enc3))
        dec = self.bottleneck(self.pool4(enc4))
        for up, skip, dcv in ((self.upconv4, enc4, self.decoder4), (self.upconv3, enc3, self.decoder3),
                              (self.upconv2, enc2, self.decoder2), (self.upconv1, enc1, self.decoder1)):
            dec = dcv(ops.cat([up(dec), skip], 1))
        return self.final_conv(dec)
