#version 330 core
// Full-screen quad from gl_VertexID (no vertex buffer), scaled to letterbox the frame.
uniform vec2 uScale;
out vec2 vUv;

void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    vUv = vec2(corner.x, 1.0 - corner.y);  // frames are stored top row first
    gl_Position = vec4((corner * 2.0 - 1.0) * uScale, 0.0, 1.0);
}
