import { PageHeader } from '../components/page-header';
import { Link } from '../lib/router';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Not found" description="There is no page at this address." />
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </>
  );
}
