#version 330 core
// Full-screen quad from gl_VertexID (no vertex buffer). vUv (0,0) is the bottom-left texel
// corner of the target.
out vec2 vUv;

void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    vUv = corner;
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
