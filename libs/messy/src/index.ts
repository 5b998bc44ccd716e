export { createMessyModule } from './module';
