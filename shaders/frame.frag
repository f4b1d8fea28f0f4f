#version 330 core
// Shows the generated frame. Edit while the app runs: it reloads on save and keeps the last
// good version if the new one does not compile.
uniform sampler2D uFrame;
uniform float uTime;
in vec2 vUv;
out vec4 outColor;

void main() {
    outColor = vec4(texture(uFrame, vUv).rgb, 1.0);
}
