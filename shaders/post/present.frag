#version 330 core
// The chain's result into the window (a 1:1 copy when the output is the window's size).
uniform sampler2D uFrame;
in vec2 vUv;
out vec4 outColor;

void main() {
    outColor = vec4(texture(uFrame, vUv).rgb, 1.0);
}
